package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The walk through the decoder layers that every family's body makes: each layer's input kept as
 * HF's {@code hidden_states} when asked, each layer's keys and values collected for the grown
 * cache, then the family's final step (norm, projection) whose output is the last hidden state.
 */
public final class DecoderLayers {

    private DecoderLayers() {}

    /** One layer: (hidden (B, T, C), cached key and value (B, H, P, D) or null) -> (hidden, key, value (B, H, S, D)). */
    @FunctionalInterface
    public interface Layer {
        NDList forward(int index, NDArray hidden, NDArray pastKey, NDArray pastValue);
    }

    /**
     * @param hidden (B, T, C) the embeddings
     * @param cache the first P positions' keys/values, or null (none wanted)
     * @param finish the step after the last layer (ln_f, final_layer_norm, project_out)
     */
    public static CausalLM.Body run(NDArray hidden, KvCache cache, int layers, boolean outputHiddenStates, Layer layer,
            UnaryOperator<NDArray> finish) {
        NDList hiddenStates = outputHiddenStates ? new NDList() : null;
        List<NDArray> keys = cache == null ? null : new ArrayList<>();
        List<NDArray> values = cache == null ? null : new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            if (outputHiddenStates) {
                hiddenStates.add(hidden);
            }
            NDArray pastKey = cache == null ? null : cache.key(i);
            NDArray pastValue = cache == null ? null : cache.value(i);
            NDList out = layer.forward(i, hidden, pastKey, pastValue);
            hidden = out.get(0);
            if (cache != null) {
                keys.add(out.get(1));
                values.add(out.get(2));
            }
        }
        hidden = finish.apply(hidden);
        if (outputHiddenStates) {
            hiddenStates.add(hidden);
        }
        return new CausalLM.Body(hidden, keys, values, hiddenStates);
    }
}
