package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import io.collapse.config.LmConfig;

/**
 * Scaled dot-product self-attention over the heads, as HF's eager attention computes it, shared by
 * the families once they have their queries, keys and values: an attention block's head layout,
 * scaling and dropout (HF's {@code num_heads}, {@code num_key_value_heads}, {@code head_dim},
 * {@code scaling}, {@code attention_dropout}). Letters: B batch, T new positions, P cached
 * positions, S = P + T key positions, H heads, KV key/value heads, D head_dim, C = H·D.
 *
 * @param scaling the factor on q·kᵀ
 * @param dropout on the attention probabilities, while training only
 */
public record Attention(int heads, int kvHeads, int headDim, float scaling, float dropout) {

    /** A config's heads with HF's default scaling 1/√D. */
    public Attention(LmConfig config, double dropout) {
        this(config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim(), defaultScaling(config),
                (float) dropout);
    }

    /** HF's default factor on q·kᵀ: 1/√D. */
    public static float defaultScaling(LmConfig config) {
        return (float) Math.pow(config.headDim(), -0.5);
    }

    /** A config's heads with another scaling (GPT-2's options); named, so a scaling is never taken for a dropout. */
    public static Attention scaled(LmConfig config, float scaling, double dropout) {
        return new Attention(config.numAttentionHeads(), config.numKeyValueHeads(), config.headDim(), scaling, (float) dropout);
    }

    /** Queries: (B, T, H·D) -> (B, T, H, D) -> (B, H, T, D). */
    public NDArray splitHeads(NDArray x) {
        return split(x, heads);
    }

    /** Keys or values: (B, T, KV·D) -> (B, KV, T, D). */
    public NDArray splitKvHeads(NDArray x) {
        return split(x, kvHeads);
    }

    /** x · scaling: the families scale q where HF scales the scores (each says why that is the same). */
    public NDArray scale(NDArray x) {
        return x.mul(Tensors.scalar(x, scaling));
    }

    private NDArray split(NDArray x, long n) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        return x.reshape(b, t, n, headDim).transpose(0, 2, 1, 3);
    }

    /**
     * softmax(q·kᵀ + mask)·v with the cached keys/values in front of the new ones, eager or, where
     * asked, through {@link Sdpa}. Under
     * grouped-query attention k and v have KV heads, each serving H / KV query heads (HF's
     * {@code repeat_kv}); the cache keeps the KV heads.
     *
     * @param q (B, H, T, D), already {@link #scale}d
     * @param k (B, KV, T, D) of the new positions, KV dividing H (KV = H without grouping)
     * @param v (B, KV, T, D) of the new positions
     * @param pastKey (B, KV, P, D) or null
     * @param pastValue (B, KV, P, D) or null
     * @param attnMask (B, 1, T, S) additive: 0 where a query may see a key, the dtype's minimum where not
     * @return context (B, T, C) before the output projection, key (B, KV, S, D), value (B, KV, S, D)
     */
    public NDList attend(NDArray q, NDArray k, NDArray v, NDArray pastKey, NDArray pastValue, NDArray attnMask,
            boolean training) {
        if (pastKey != null) {
            k = pastKey.concat(k, 2); // (B, KV, S, D)
            v = pastValue.concat(v, 2); // (B, KV, S, D)
        }
        if (Sdpa.on()) {
            NDArray context = Sdpa.attend(q, repeatKv(k, heads), repeatKv(v, heads), attnMask, training ? dropout : 0f);
            return new NDList(mergeHeads(context), k, v); // context (B, H, T, D) -> (B, T, C)
        }
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
        probs = HfBlock.dropout(probs, dropout, training);
        NDArray context = probs.matMul(repeatKv(v, heads)); // (B, H, T, D)
        return new NDList(mergeHeads(context), k, v);
    }

    /** (B, H, T, D) -> (B, T, H, D) -> (B, T, C). */
    private static NDArray mergeHeads(NDArray context) {
        long[] s = context.getShape().getShape();
        return context.transpose(0, 2, 1, 3).reshape(s[0], s[2], s[1] * s[3]);
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
