package io.collapse.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import io.collapse.config.Gpt2Config;
import io.collapse.model.Attention;
import io.collapse.model.Conv1D;
import io.collapse.model.HfBlock;

/**
 * HF's {@code GPT2Attention}: one Conv1D {@code c_attn} makes q, k and v side by side, {@code c_proj}
 * projects the heads back. Letters: B batch, T new positions, P cached positions, S = P + T key
 * positions, H heads, D head_dim, C = H·D.
 */
public final class Gpt2Attention extends HfBlock {

    private final Attention attention;
    private final float residPdrop;
    private final Conv1D cAttn;
    private final Conv1D cProj;

    public Gpt2Attention(Gpt2Config config, int layerIdx) {
        int c = config.hiddenSize();
        float scale = config.scaleAttnWeights() ? Attention.defaultScaling(config) : 1f;
        float scaling = config.scaleAttnByInverseLayerIdx() ? scale / (layerIdx + 1) : scale;
        this.attention = Attention.scaled(config, scaling, config.attnPdrop());
        this.residPdrop = config.residPdrop().floatValue();
        this.cAttn = addChildBlock("c_attn", new Conv1D(c, 3L * c));
        this.cProj = addChildBlock("c_proj", new Conv1D(c, c));
    }

    /**
     * @param hidden (B, T, C)
     * @param attnMask (B, 1, T, S) additive
     * @param pastKey (B, H, P, D) or null
     * @param pastValue (B, H, P, D) or null
     * @return output (B, T, C), key (B, H, S, D), value (B, H, S, D)
     */
    NDList forward(ParameterStore ps, NDArray hidden, NDArray attnMask, NDArray pastKey, NDArray pastValue,
            boolean training) {
        NDList qkv = cAttn.forward(ps, hidden, training).split(3, 2); // 3 × (B, T, C)
        // HF multiplies the scores by the scaling; scaling q first is the same product (as OPT does).
        NDArray q = attention.splitHeads(attention.scale(qkv.get(0))); // (B, H, T, D)
        NDArray k = attention.splitHeads(qkv.get(1)); // (B, H, T, D)
        NDArray v = attention.splitHeads(qkv.get(2)); // (B, H, T, D)
        NDList attn = attention.attend(q, k, v, pastKey, pastValue, attnMask, training);
        NDArray out = cProj.forward(ps, attn.get(0), training); // (B, T, C)
        return new NDList(dropout(out, residPdrop, training), attn.get(1), attn.get(2));
    }
}
