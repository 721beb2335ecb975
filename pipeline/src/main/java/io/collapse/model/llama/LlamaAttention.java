package io.collapse.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import io.collapse.config.LlamaConfig;
import io.collapse.model.Attention;
import io.collapse.model.HfBlock;
import io.collapse.model.Linear;
import io.collapse.model.Rotary;

/**
 * HF's {@code LlamaAttention} (and Qwen2's, with q/k/v biases) in its eager form: rotary
 * embeddings on queries and keys, then the shared {@link Attention} with grouped-query attention
 * (each key/value head serves H / KV query heads). The cache keeps the KV heads, rotated. Letters: B batch, T new positions, P cached, S = P + T, H query heads,
 * KV key/value heads, D head_dim, C hidden size.
 */
public final class LlamaAttention extends HfBlock {

    private final Attention attention;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;

    public LlamaAttention(LlamaConfig config) {
        int c = config.hiddenSize();
        long qDim = (long) config.numAttentionHeads() * config.headDim();
        long kvDim = (long) config.numKeyValueHeads() * config.headDim();
        this.attention = new Attention(config, config.attentionDropout());
        this.qProj = addChildBlock("q_proj", new Linear(c, qDim, config.qkvBias()));
        this.kProj = addChildBlock("k_proj", new Linear(c, kvDim, config.qkvBias()));
        this.vProj = addChildBlock("v_proj", new Linear(c, kvDim, config.qkvBias()));
        this.oProj = addChildBlock("o_proj", new Linear(qDim, c, config.oProjBias()));
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
        NDArray q = attention.scale(qProj.forward(ps, hidden, training)); // (B, T, H·D)
        q = Rotary.apply(attention.splitHeads(q), cos, sin); // (B, H, T, D)
        NDArray k = Rotary.apply(attention.splitKvHeads(kProj.forward(ps, hidden, training)), cos, sin); // (B, KV, T, D)
        NDArray v = attention.splitKvHeads(vProj.forward(ps, hidden, training)); // (B, KV, T, D)
        NDList out = attention.attend(q, k, v, pastKey, pastValue, attnMask, training);
        return new NDList(oProj.forward(ps, out.get(0), training), out.get(1), out.get(2));
    }
}
