package io.collapse.model.opt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import io.collapse.config.OptConfig;
import io.collapse.model.Attention;
import io.collapse.model.HfBlock;
import io.collapse.model.Linear;

/**
 * HF's {@code OPTAttention}: multi-head self-attention with k/v/q/out projections, all heads in one
 * batched matmul. Letters: B batch, T new positions, P cached positions, S = P + T key positions,
 * H heads, D head_dim, C = H·D hidden size.
 */
public final class OptAttention extends HfBlock {

    private final Attention attention;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear qProj;
    private final Linear outProj;

    public OptAttention(OptConfig config) {
        int c = config.hiddenSize();
        this.attention = new Attention(config, config.attentionDropout());
        // Registration order is HF's attribute order, so keys come out as named_parameters() gives them.
        this.kProj = addChildBlock("k_proj", new Linear(c, c, config.enableBias()));
        this.vProj = addChildBlock("v_proj", new Linear(c, c, config.enableBias()));
        this.qProj = addChildBlock("q_proj", new Linear(c, c, config.enableBias()));
        this.outProj = addChildBlock("out_proj", new Linear(c, c, config.enableBias()));
    }

    /**
     * @param hidden (B, T, C)
     * @param attnMask (B, 1, T, S) additive: 0 where a query may see a key, the dtype's minimum where not
     * @param pastKey (B, H, P, D) or null
     * @param pastValue (B, H, P, D) or null
     * @return output (B, T, C), key (B, H, S, D), value (B, H, S, D)
     */
    NDList forward(ParameterStore ps, NDArray hidden, NDArray attnMask, NDArray pastKey, NDArray pastValue,
            boolean training) {
        // HF scales q, not the scores.
        NDArray q = attention.splitHeads(attention.scale(qProj.forward(ps, hidden, training))); // (B, H, T, D)
        NDArray k = attention.splitHeads(kProj.forward(ps, hidden, training)); // (B, H, T, D)
        NDArray v = attention.splitHeads(vProj.forward(ps, hidden, training)); // (B, H, T, D)
        NDList attn = attention.attend(q, k, v, pastKey, pastValue, attnMask, training);
        return new NDList(outProj.forward(ps, attn.get(0), training), attn.get(1), attn.get(2));
    }
}
