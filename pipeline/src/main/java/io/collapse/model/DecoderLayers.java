package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The walk through the decoder layers that every family's base model makes: the causal mask all
 * layers attend under, each layer's input kept as HF's {@code hidden_states} when asked, each
 * layer's keys and values collected for the grown cache, then the family's final step (norm,
 * projection) whose output is the last hidden state. Letters: B batch, T new positions, P cached
 * positions, S = P + T, H heads, D head_dim, C hidden size.
 */
public final class DecoderLayers {

    private DecoderLayers() {}

    /**
     * One layer: (hidden (B, T, C), additive mask (B, 1, T, S), cached key and value (B, H, P, D) or
     * null) -> (hidden, key, value (B, H, S, D)).
     */
    @FunctionalInterface
    public interface Layer<L> {
        NDList forward(L layer, NDArray hidden, NDArray attnMask, NDArray pastKey, NDArray pastValue);
    }

    /**
     * @param hidden (B, T, C) the embeddings
     * @param attentionMask (B, S) int64: 1 real token, 0 pad, covering the cached positions too
     * @param cache the first P positions' keys/values, or null (none wanted)
     * @param finish the step after the last layer (ln_f, final_layer_norm, project_out)
     */
    public static <L extends Block> CausalLM.Body run(NDArray hidden, NDArray attentionMask, KvCache cache,
            ModuleList<L> layers, boolean outputHiddenStates, Layer<L> layer, UnaryOperator<NDArray> finish) {
        long past = KvCache.lengthOf(cache);
        long newPositions = hidden.getShape().get(1);
        NDArray attnMask = AttentionMasks.causal(attentionMask, newPositions, past, hidden.getDataType()); // (B, 1, T, S)
        if (Sdpa.on()) {
            attnMask = AttentionMasks.unmaskUnattended(attnMask);
        }
        NDList hiddenStates = outputHiddenStates ? new NDList() : null;
        List<NDArray> keys = cache == null ? null : new ArrayList<>();
        List<NDArray> values = cache == null ? null : new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            if (outputHiddenStates) {
                hiddenStates.add(hidden);
            }
            NDArray pastKey = cache == null ? null : cache.key(i);
            NDArray pastValue = cache == null ? null : cache.value(i);
            NDList out = layer.forward(layers.get(i), hidden, attnMask, pastKey, pastValue);
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
