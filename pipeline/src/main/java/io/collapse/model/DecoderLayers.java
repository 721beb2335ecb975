package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import java.util.ArrayList;
import java.util.List;

/**
 * The loop every family's body runs over its decoder layers: each layer gets the hidden state and
 * its cached keys/values, the grown keys/values are collected when there is a cache, and HF's
 * {@code hidden_states} (each layer's input) when asked. The family then applies its final norm
 * and appends the final hidden state. Letters: B batch, T new positions, C hidden size.
 */
public final class DecoderLayers {

    private DecoderLayers() {}

    /** Layer {@code index} on hidden (B, T, C) with its past key/value (null without a cache) → (hidden, key, value). */
    @FunctionalInterface
    public interface Layer {
        NDList forward(int index, NDArray hidden, NDArray pastKey, NDArray pastValue);
    }

    /**
     * @param hidden (B, T, C) the first layer's input
     * @return the last layer's output (before any final norm), the keys/values of every layer when
     *     {@code cache} is not null, the layers' inputs when {@code outputHiddenStates}
     */
    public static CausalLM.Body run(int numLayers, NDArray hidden, KvCache cache, boolean outputHiddenStates, Layer layer) {
        NDList hiddenStates = outputHiddenStates ? new NDList() : null;
        List<NDArray> keys = cache == null ? null : new ArrayList<>();
        List<NDArray> values = cache == null ? null : new ArrayList<>();
        for (int i = 0; i < numLayers; i++) {
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
        return new CausalLM.Body(hidden, keys, values, hiddenStates);
    }

    /** {@code body} with its hidden state replaced by {@code last} (after the final norm), which also ends the hidden states. */
    public static CausalLM.Body finish(CausalLM.Body body, NDArray last) {
        if (body.hiddenStates() != null) {
            body.hiddenStates().add(last);
        }
        return new CausalLM.Body(last, body.keys(), body.values(), body.hiddenStates());
    }
}
