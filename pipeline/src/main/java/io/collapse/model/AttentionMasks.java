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

    /** torch.finfo(dtype).min, HF's "masked" value. */
    public static float minValue(DataType dtype) {
        return switch (dtype) {
            case FLOAT16 -> -65504f;
            case BFLOAT16 -> -3.3895314e38f;
            default -> -Float.MAX_VALUE;
        };
    }
}
