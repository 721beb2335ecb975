package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/** HF's additive attention masks, shared by every family. */
public final class AttentionMasks {

    private AttentionMasks() {}

    /**
     * The additive 4-D mask: a new query at absolute position P + i sees keys j ≤ P + i that are real
     * tokens; everything else gets the dtype's minimum (as HF, not -inf, so a pad query whose keys
     * are all masked still has a finite softmax).
     *
     * @param attentionMask (B, S) int64
     * @return (B, 1, T, S) in {@code dtype}
     */
    public static NDArray causal(NDArray attentionMask, long newPositions, long past, DataType dtype) {
        NDManager m = attentionMask.getManager();
        long s = past + newPositions;
        NDArray keyPos = m.arange(0, (int) s, 1, DataType.INT64).reshape(1, 1, 1, s); // (1, 1, 1, S)
        NDArray queryPos = m.arange((int) past, (int) s, 1, DataType.INT64).reshape(1, 1, newPositions, 1); // (1, 1, T, 1)
        NDArray causal = keyPos.lte(queryPos); // (1, 1, T, S)
        NDArray realKey = attentionMask.neq(Tensors.scalar(attentionMask, 0)) // Tensors: a Java number would be an upload
                .reshape(attentionMask.getShape().get(0), 1, 1, s); // (B, 1, 1, S)
        NDArray allowed = causal.logicalAnd(realKey); // (B, 1, T, S)
        NDArray masked = allowed.logicalNot().toType(dtype, false); // (B, 1, T, S)
        return masked.mul(Tensors.scalar(masked, minValue(dtype)));
    }

    /**
     * HF's {@code _unmask_unattended}, for SDPA: a query that may see no key at all (a left pad before
     * its row's first real token) sees every key instead. CUDA's memory-efficient SDPA kernel returns
     * NaN for a row that is all minimum (pytorch#110213; HF does this before SDPA on a GPU), and the
     * NaN spreads to every query through the next layer's keys and values. Such a row is a pad's
     * query: real queries never see it, and its outputs are not compared, scored or sampled.
     *
     * @param mask (B, 1, T, S) from {@link #causal}
     * @return (B, 1, T, S): the rows that allow some key as they were, the others 0
     */
    public static NDArray unmaskUnattended(NDArray mask) {
        NDArray seesSome = mask.max(new int[] {-1}, true) // (B, 1, T, 1): 0 where some key is allowed
                .neq(Tensors.scalar(mask, minValue(mask.getDataType())));
        return mask.mul(seesSome.toType(mask.getDataType(), false)); // min · 0 = -0, as good as 0 added to a score
    }

    /** torch.finfo(dtype).min, HF's "masked" value. */
    public static float minValue(DataType dtype) {
        return switch (dtype) {
            case FLOAT16 -> -65504f;
            case BFLOAT16 -> -3.3895314e38f;
            default -> -Float.MAX_VALUE;
        };
    }
}
