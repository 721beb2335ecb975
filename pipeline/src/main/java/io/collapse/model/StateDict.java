package io.collapse.model;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * HF state-dict names of a block tree. DJL keys children as {@code %02d} + name ({@code
 * 01self_attn}) and flattens with {@code _}, which is ambiguous next to HF's own underscores; this
 * walks {@code getChildren()}/{@code getDirectParameters()} instead, drops the counter and joins with
 * {@code .} → {@code model.decoder.layers.0.self_attn.k_proj.weight}.
 */
public final class StateDict {

    private StateDict() {}

    /** HF key of every parameter, in block order (the order {@code named_parameters()} gives). */
    public static List<String> keys(Block block) {
        return new ArrayList<>(parameters(block).keySet());
    }

    /** Every parameter by HF key, in block order. */
    public static Map<String, Parameter> parameters(Block block) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect(block, "", out);
        return out;
    }

    private static void collect(Block block, String prefix, Map<String, Parameter> out) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            out.put(prefix + p.getKey(), p.getValue());
        }
        int index = 0;
        for (Pair<String, Block> child : block.getChildren()) {
            index++;
            String counter = String.format("%02d", index);
            String key = child.getKey();
            if (!key.startsWith(counter)) {
                throw new IllegalStateException("child block key '" + key + "' lacks DJL's counter prefix '" + counter + "'");
            }
            collect(child.getValue(), prefix + key.substring(counter.length()) + ".", out);
        }
    }
}
