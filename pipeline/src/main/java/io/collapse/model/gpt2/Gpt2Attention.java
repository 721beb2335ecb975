package io.collapse.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import io.collapse.config.Gpt2Config;
import io.collapse.model.Attention;
import io.collapse.model.Conv1D;
import io.collapse.model.HfBlock;
import io.collapse.model.Tensors;

/**
 * HF's {@code GPT2Attention}: one Conv1D {@code c_attn} makes q, k and v side by side, {@code c_proj}
 * projects the heads back. Letters: B batch, T new positions, P cached positions, S = P + T key
 * positions, H heads, D head_dim, C = H·D.
 */
public final class Gpt2Attention extends HfBlock {

    private final int heads;
    private final int headDim;
    private final float scaling;
    private final float attnPdrop;
    private final float residPdrop;
    private final Conv1D cAttn;
    private final Conv1D cProj;

    public Gpt2Attention(Gpt2Config config, int layerIdx) {
        int c = config.hiddenSize();
        this.heads = config.numAttentionHeads();
        this.headDim = config.headDim();
        float scale = config.scaleAttnWeights() ? (float) Math.pow(headDim, -0.5) : 1f;
        this.scaling = config.scaleAttnByInverseLayerIdx() ? scale / (layerIdx + 1) : scale;
        this.attnPdrop = config.attnPdrop().floatValue();
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
        NDArray scaled = qkv.get(0).mul(Tensors.scalar(hidden, scaling)); // (B, T, C)
        NDArray q = Attention.splitHeads(scaled, heads, headDim); // (B, H, T, D)
        NDArray k = Attention.splitHeads(qkv.get(1), heads, headDim); // (B, H, T, D)
        NDArray v = Attention.splitHeads(qkv.get(2), heads, headDim); // (B, H, T, D)
        NDList attn = Attention.attend(q, k, v, pastKey, pastValue, attnMask, attnPdrop, training);
        NDArray out = cProj.forward(ps, attn.get(0), training); // (B, T, C)
        if (training && residPdrop > 0) {
            out = Dropout.dropout(out, residPdrop, true).head();
        }
        return new NDList(out, attn.get(1), attn.get(2));
    }
}
