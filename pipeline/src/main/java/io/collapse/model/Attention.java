package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.norm.Dropout;

/**
 * Scaled dot-product self-attention over the heads, as HF's eager attention computes it, shared by
 * the families once they have their queries, keys and values. Letters: B batch, T new positions, P
 * cached positions, S = P + T key positions, H heads, D head_dim, C = H·D.
 */
public final class Attention {

    private Attention() {}

    /** (B, T, C) -> (B, T, H, D) -> (B, H, T, D). */
    public static NDArray splitHeads(NDArray x, long heads, long headDim) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        return x.reshape(b, t, heads, headDim).transpose(0, 2, 1, 3);
    }

    /**
     * softmax(q·kᵀ + mask)·v with the cached keys/values in front of the new ones. Under
     * grouped-query attention k and v have KV heads, each serving H / KV query heads (HF's
     * {@code repeat_kv}); the cache keeps the KV heads.
     *
     * @param q (B, H, T, D), already scaled by the family's factor
     * @param k (B, KV, T, D) of the new positions, KV dividing H (KV = H without grouping)
     * @param v (B, KV, T, D) of the new positions
     * @param pastKey (B, KV, P, D) or null
     * @param pastValue (B, KV, P, D) or null
     * @param attnMask (B, 1, T, S) additive: 0 where a query may see a key, the dtype's minimum where not
     * @param dropout on the attention probabilities, while training only
     * @return context (B, T, C) before the output projection, key (B, KV, S, D), value (B, KV, S, D)
     */
    public static NDList attend(NDArray q, NDArray k, NDArray v, NDArray pastKey, NDArray pastValue, NDArray attnMask,
            float dropout, boolean training) {
        if (pastKey != null) {
            k = pastKey.concat(k, 2); // (B, KV, S, D)
            v = pastValue.concat(v, 2); // (B, KV, S, D)
        }
        long heads = q.getShape().get(1);
        DataType dtype = q.getDataType();
        NDArray scores = q.matMul(repeatKv(k, heads).transpose(0, 1, 3, 2)).add(attnMask); // (B, H, T, S)
        // As HF: clamp so that a masked score plus the mask cannot reach -inf.
        scores = scores.maximum(Tensors.scalar(scores, AttentionMasks.minValue(dtype)));
        // HF's softmax runs in float32 for half precision. Training cannot cast: DJL's toType runs
        // without autograd (NoGradGuard in its JNI), so a half-precision training copy takes torch's
        // half softmax, which accumulates in float32 itself and rounds only its output.
        NDArray probs = dtype == DataType.FLOAT32 || training
                ? scores.softmax(-1)
                : scores.toType(DataType.FLOAT32, false).softmax(-1).toType(dtype, false); // (B, H, T, S)
        if (training && dropout > 0) {
            probs = Dropout.dropout(probs, dropout, true).head();
        }
        long[] qs = q.getShape().getShape();
        NDArray context = probs.matMul(repeatKv(v, heads)) // (B, H, T, D)
                .transpose(0, 2, 1, 3) // (B, T, H, D)
                .reshape(qs[0], qs[2], qs[1] * qs[3]); // (B, T, C)
        return new NDList(context, k, v);
    }

    /** HF's {@code repeat_kv}: (B, KV, S, D) -> (B, KV, H/KV, S, D) -> (B, H, S, D), each KV head repeated in place. */
    static NDArray repeatKv(NDArray x, long heads) {
        long[] s = x.getShape().getShape();
        if (s[1] == heads) {
            return x;
        }
        return x.expandDims(2)
                .broadcast(s[0], s[1], heads / s[1], s[2], s[3]) // (B, KV, H/KV, S, D)
                .reshape(s[0], heads, s[2], s[3]); // (B, H, S, D)
    }
}
