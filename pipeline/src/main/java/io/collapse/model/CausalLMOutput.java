package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * What {@link CausalLM#forward} returns, attached to the input ids' manager.
 *
 * @param logits (B, T, V) float32 for the T new positions; (B, V) for the last one from {@link
 *     CausalLM#forwardLast}
 * @param cache the grown cache (S_past + T positions), or null when none was passed
 * @param hiddenStates num_hidden_layers + 1 arrays (B, T, C) as HF's {@code output_hidden_states}
 *     (the last after final_layer_norm and project_out), or null when not asked for
 */
public record CausalLMOutput(NDArray logits, KvCache cache, NDList hiddenStates) implements AutoCloseable {

    @Override
    public void close() {
        logits.close();
        if (cache != null) {
            cache.close();
        }
        if (hiddenStates != null) {
            hiddenStates.close();
        }
    }
}
