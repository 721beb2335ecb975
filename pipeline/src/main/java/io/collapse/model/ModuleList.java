package io.collapse.model;

import ai.djl.nn.Block;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * HF's {@code nn.ModuleList}: children named "0", "1", … so that keys read {@code layers.3.fc1.weight}.
 * Its owner calls the children itself; the list has no forward of its own.
 */
public final class ModuleList<B extends Block> extends HfBlock {

    private final List<B> items = new ArrayList<>();

    private ModuleList() {}

    /** The list of {@code n} blocks {@code layer.apply(0)}, {@code layer.apply(1)}, …: a decoder's layers. */
    public static <B extends Block> ModuleList<B> of(int n, IntFunction<B> layer) {
        ModuleList<B> list = new ModuleList<>();
        for (int i = 0; i < n; i++) {
            list.items.add(list.addChildBlock(Integer.toString(i), layer.apply(i)));
        }
        return list;
    }

    public B get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }
}
