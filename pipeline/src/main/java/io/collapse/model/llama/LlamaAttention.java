package io.collapse.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import io.collapse.config.LlamaConfig;
import io.collapse.model.Attention;
import io.collapse.model.HfBlock;
import io.collapse.model.Linear;
import io.collapse.model.Rotary;
import io.collapse.model.Tensors;

/**
 * HF's {@code LlamaAttention} (and Qwen2's, with q/k/v biases) in its eager form: rotary
 * embeddings on queries and keys, then the shared {@link Attention} with grouped-query attention
 * (each key/value head serves H / KV query heads). The cache keeps the KV heads, rotated. Letters: B batch, T new positions, P cached, S = P + T, H query heads,
 * KV key/value heads, D head_dim, C hidden size.
 */
public final class LlamaAttention extends HfBlock {

    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final float scaling;
    private final float attentionDropout;
    private final Rotary rotary;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;

    public LlamaAttention(LlamaConfig config, Rotary rotary) {
        int c = config.hiddenSize();
        this.heads = config.numAttentionHeads();
        this.kvHeads = config.numKeyValueHeads();
        this.headDim = config.headDim();
        this.scaling = (float) Math.pow(headDim, -0.5);
        this.attentionDropout = config.attentionDropout().floatValue();
        this.rotary = rotary;
        this.qProj = addChildBlock("q_proj", new Linear(c, (long) heads * headDim, config.qkvBias()));
        this.kProj = addChildBlock("k_proj", new Linear(c, (long) kvHeads * headDim, config.qkvBias()));
        this.vProj = addChildBlock("v_proj", new Linear(c, (long) kvHeads * headDim, config.qkvBias()));
        this.oProj = addChildBlock("o_proj", new Linear((long) heads * headDim, c, config.oProjBias()));
    }

    /**
     * @param hidden (B, T, C)
     * @param attnMask (B, 1, T, S) additive
     * @param cos (B or 1, T, D) from the model's {@link Rotary}
     * @param sin (B or 1, T, D)
     * @param pastKey (B, KV, P, D) or null
     * @param pastValue (B, KV, P, D) or null
     * @return output (B, T, C), key and value (B, KV, S, D)
     */
    NDList forward(ParameterStore ps, NDArray hidden, NDArray attnMask, NDArray cos, NDArray sin, NDArray pastKey,
            NDArray pastValue, boolean training) {
        // HF scales the scores after q·kᵀ; scaling q first is the same number wherever head_dim is
        // a power of 4 (16, 64, 256: SmolLM2, Llama 3.2, TinyLlama, Qwen2.5-0.5B) and within a rounding otherwise.
        NDArray q = qProj.forward(ps, hidden, training).mul(Tensors.scalar(hidden, scaling)); // (B, T, H·D)
        q = rotary.apply(Attention.splitHeads(q, heads, headDim), cos, sin); // (B, H, T, D)
        NDArray k = rotary.apply(Attention.splitHeads(kProj.forward(ps, hidden, training), kvHeads, headDim), cos, sin); // (B, KV, T, D)
        NDArray v = Attention.splitHeads(vProj.forward(ps, hidden, training), kvHeads, headDim); // (B, KV, T, D)
        NDList out = Attention.attend(q, k, v, pastKey, pastValue, attnMask, attentionDropout, training);
        return new NDList(oProj.forward(ps, out.get(0), training), out.get(1), out.get(2));
    }
}
