package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * HF's {@code Conv1D} (GPT-2's projections): a linear layer whose {@code weight} is stored (in, out),
 * the transpose of {@code nn.Linear}'s, so checkpoints map one to one; {@code bias} (out). Computes
 * {@code x @ weight + bias}. Shapes: (..., in) → (..., out).
 */
public final class Conv1D extends HfBlock {

    private final Parameter weight; // (in, out)
    private final Parameter bias; // (out)

    public Conv1D(long in, long out) {
        this.weight = hfParameter("weight", Parameter.Type.WEIGHT, new Shape(in, out));
        this.bias = hfParameter("bias", Parameter.Type.BIAS, new Shape(out));
    }

    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        // Linear's affine on the transposed view is HF's addmm(bias, x.view(-1, in), weight): no copy.
        NDArray w = ps.getValue(weight, x.getDevice(), training).transpose(); // (out, in)
        return Linear.affine(x, w, ps.getValue(bias, x.getDevice(), training)); // (..., out)
    }
}
