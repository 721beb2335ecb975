package io.collapse.model;

import ai.djl.nn.Block;
import java.util.ArrayList;
import java.util.List;

/**
 * HF's {@code nn.ModuleList}: children named "0", "1", … so that keys read {@code layers.3.fc1.weight}.
 * Its owner calls the children itself; the list has no forward of its own.
 */
public final class ModuleList<B extends Block> extends HfBlock {

    private final List<B> items = new ArrayList<>();

    public void add(B block) {
        items.add(addChildBlock(Integer.toString(items.size()), block));
    }

    public B get(int i) {
        return items.get(i);
    }

    public int size() {
        return items.size();
    }
}
