package io.collapse.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.collapse.config.LlamaConfig;
import io.collapse.model.HfBlock;
import io.collapse.model.Linear;
import io.collapse.model.Rotary;
import io.collapse.model.Tensors;

/**
 * HF's {@code LlamaAttention} (and Qwen2's, with q/k/v biases) in its eager form: rotary
 * embeddings on queries and keys, grouped-query attention (each key/value head serves
 * H / KV query heads, {@code repeat_kv}), scores scaled after the matmul. The cache keeps the
 * KV heads, rotated. Letters: B batch, T new positions, P cached, S = P + T, H query heads,
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
        long b = hidden.getShape().get(0);
        long t = hidden.getShape().get(1);
        NDArray q = rotary.apply(split(qProj.forward(ps, hidden, training), b, t, heads), cos, sin); // (B, H, T, D)
        NDArray k = rotary.apply(split(kProj.forward(ps, hidden, training), b, t, kvHeads), cos, sin); // (B, KV, T, D)
        NDArray v = split(vProj.forward(ps, hidden, training), b, t, kvHeads); // (B, KV, T, D)
        if (pastKey != null) {
            k = pastKey.concat(k, 2); // (B, KV, S, D)
            v = pastValue.concat(v, 2); // (B, KV, S, D)
        }
        NDArray scores = q.matMul(repeatKv(k).transpose(0, 1, 3, 2)) // (B, H, T, S)
                .mul(Tensors.scalar(q, scaling))
                .add(attnMask);
        // HF's softmax runs in float32 for half precision; training cannot cast (see LlamaRMSNorm).
        DataType dtype = hidden.getDataType();
        NDArray probs = dtype == DataType.FLOAT32 || training
                ? scores.softmax(-1)
                : scores.toType(DataType.FLOAT32, false).softmax(-1).toType(dtype, false); // (B, H, T, S)
        if (training && attentionDropout > 0) {
            probs = Dropout.dropout(probs, attentionDropout, true).head();
        }
        NDArray context = probs.matMul(repeatKv(v)) // (B, H, T, D)
                .transpose(0, 2, 1, 3) // (B, T, H, D)
                .reshape(b, t, (long) heads * headDim); // (B, T, H·D)
        return new NDList(oProj.forward(ps, context, training), k, v);
    }

    /** (B, T, N·D) -> (B, T, N, D) -> (B, N, T, D). */
    private NDArray split(NDArray x, long b, long t, int n) {
        return x.reshape(b, t, n, headDim).transpose(0, 2, 1, 3);
    }

    /** HF's {@code repeat_kv}: (B, KV, S, D) -> (B, KV, H/KV, S, D) -> (B, H, S, D), each KV head repeated in place. */
    private NDArray repeatKv(NDArray x) {
        if (heads == kvHeads) {
            return x;
        }
        Shape s = x.getShape();
        return x.expandDims(2)
                .broadcast(s.get(0), kvHeads, heads / kvHeads, s.get(2), headDim) // (B, KV, H/KV, S, D)
                .reshape(s.get(0), heads, s.get(2), headDim); // (B, H, S, D)
    }

    /** DJL entry for the block alone is not offered: it needs the model's rotary cos/sin. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("LlamaAttention is called through LlamaModel (it needs cos/sin)");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape h = inputShapes[0];
        Shape kv = new Shape(h.get(0), kvHeads, h.get(1), headDim);
        return new Shape[] {h, kv, kv};
    }
}
