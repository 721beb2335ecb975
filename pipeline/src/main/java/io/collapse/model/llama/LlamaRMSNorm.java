package io.collapse.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.collapse.model.HfBlock;
import io.collapse.model.Tensors;

/**
 * HF's {@code LlamaRMSNorm} (Qwen2's is the same): {@code weight · x / sqrt(mean(x²) + eps)} over
 * the last axis, no centring, no bias. As HF, a half-precision input is normalised in float32 and
 * rounded back before the weight multiplies it. Training keeps the input's dtype: DJL's cast runs
 * outside autograd, so a half-precision training copy normalises in half.
 */
public final class LlamaRMSNorm extends HfBlock {

    private final float eps;
    private final Parameter weight; // (C)

    public LlamaRMSNorm(long size, double eps) {
        this.eps = (float) eps;
        this.weight = hfParameter("weight", Parameter.Type.GAMMA, new Shape(size));
    }

    /** (..., C) → (..., C). */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        DataType dtype = x.getDataType();
        boolean upcast = dtype != DataType.FLOAT32 && !training;
        NDArray h = upcast ? x.toType(DataType.FLOAT32, false) : x; // (..., C)
        NDArray variance = h.square().mean(new int[] {-1}, true); // (..., 1)
        h = h.div(variance.add(Tensors.scalar(variance, eps)).sqrt()); // (..., C)
        if (upcast) {
            h = h.toType(dtype, false);
        }
        return ps.getValue(weight, x.getDevice(), training).mul(h);
    }
}
