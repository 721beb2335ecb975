package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * HF's base model under a {@link CausalLM} ({@code OPTModel}, {@code GPT2Model}, {@code LlamaModel},
 * {@code GPTNeoXModel}): the embeddings and decoder layers, whose last hidden state the LM head
 * reads. Letters: B batch, T new positions, P cached positions, S = P + T, E the head's input width.
 */
public abstract class BaseModel extends HfBlock {

    private Embedding inputEmbeddings;

    /**
     * Registers the token embedding before anything else: {@link CausalLM} reads the first
     * parameter as the token embedding (a tied head's shape check, the pad row of the init).
     */
    protected final Embedding addInputEmbeddings(String name, Embedding embedding) {
        if (!getChildren().isEmpty() || !getDirectParameters().isEmpty()) {
            throw new IllegalStateException(getClass().getSimpleName() + ": the token embedding must be registered first");
        }
        inputEmbeddings = addChildBlock(name, embedding);
        return inputEmbeddings;
    }

    /** HF's {@code get_input_embeddings()}: the token embedding, which a tied LM head shares. */
    public Embedding inputEmbeddings() {
        return inputEmbeddings;
    }

    /**
     * The embeddings and decoder layers.
     *
     * @param inputIds (B, T) int64 new tokens
     * @param attentionMask (B, S) int64: 1 real token, 0 pad, covering the cached positions too
     * @param positionIds (B, T) int64, HF's {@code position_ids}, or null for the family's own rule
     *     (from the mask, as HF's generate); OPT, whose positions only the mask decides, refuses them
     * @param cache keys/values of the first P positions, or null (no cache wanted)
     * @return hidden (B, T, E) for the LM head, the per-layer keys/values of all S positions when a
     *     cache was passed, HF's {@code hidden_states} when asked
     */
    protected abstract CausalLM.Body forward(ParameterStore ps, NDArray inputIds, NDArray attentionMask,
            NDArray positionIds, KvCache cache, boolean training, boolean outputHiddenStates);
}
