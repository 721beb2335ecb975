package io.collapse.model.opt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.collapse.config.OptConfig;
import io.collapse.model.AttentionMasks;
import io.collapse.model.HfBlock;
import io.collapse.model.Linear;
import io.collapse.model.Tensors;

/**
 * HF's {@code OPTAttention}: multi-head self-attention with k/v/q/out projections, all heads in one
 * batched matmul. Letters: B batch, T new positions, P cached positions, S = P + T key positions,
 * H heads, D head_dim, C = H·D hidden size.
 */
public final class OptAttention extends HfBlock {

    private final int heads;
    private final int headDim;
    private final float scaling;
    private final float attentionDropout;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear qProj;
    private final Linear outProj;

    public OptAttention(OptConfig config) {
        int c = config.hiddenSize();
        this.heads = config.numAttentionHeads();
        this.headDim = config.headDim();
        this.scaling = (float) Math.pow(headDim, -0.5);
        this.attentionDropout = config.attentionDropout().floatValue();
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
        Shape shape = hidden.getShape();
        long b = shape.get(0);
        long t = shape.get(1);
        // HF scales q, not the scores.
        NDArray q = split(qProj.forward(ps, hidden, training).mul(Tensors.scalar(hidden, scaling)), b, t); // (B, H, T, D)
        NDArray k = split(kProj.forward(ps, hidden, training), b, t); // (B, H, T, D)
        NDArray v = split(vProj.forward(ps, hidden, training), b, t); // (B, H, T, D)
        if (pastKey != null) {
            k = pastKey.concat(k, 2); // (B, H, S, D)
            v = pastValue.concat(v, 2); // (B, H, S, D)
        }
        DataType dtype = hidden.getDataType();
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).add(attnMask); // (B, H, T, S)
        // As HF: clamp so that a masked score plus the mask cannot reach -inf.
        scores = scores.maximum(Tensors.scalar(scores, AttentionMasks.minValue(dtype)));
        // HF's softmax runs in float32 for half precision. Training cannot cast: DJL's toType runs
        // without autograd (NoGradGuard in its JNI), so a half-precision training copy takes torch's
        // half softmax, which accumulates in float32 itself and rounds only its output.
        NDArray probs = dtype == DataType.FLOAT32 || training
                ? scores.softmax(-1)
                : scores.toType(DataType.FLOAT32, false).softmax(-1).toType(dtype, false); // (B, H, T, S)
        if (training && attentionDropout > 0) {
            probs = Dropout.dropout(probs, attentionDropout, true).head();
        }
        NDArray context = probs.matMul(v) // (B, H, T, D)
                .transpose(0, 2, 1, 3) // (B, T, H, D)
                .reshape(b, t, (long) heads * headDim); // (B, T, C)
        return new NDList(outProj.forward(ps, context, training), k, v);
    }

    /** (B, T, C) -> (B, T, H, D) -> (B, H, T, D). */
    private NDArray split(NDArray x, long b, long t) {
        return x.reshape(b, t, heads, headDim).transpose(0, 2, 1, 3);
    }

    /** DJL entry for the block alone: (hidden, additive mask) -> (output, key, value). */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return forward(ps, inputs.get(0), inputs.get(1), null, null, training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape h = inputShapes[0];
        Shape kv = new Shape(h.get(0), heads, h.get(1), headDim);
        return new Shape[] {h, kv, kv};
    }
}
