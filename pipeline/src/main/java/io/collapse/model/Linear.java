package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * HF's {@code nn.Linear}: {@code weight} (out, in) and an optional {@code bias} (out), computing
 * {@code x @ weight^T + bias} with torch's fused {@code linear}. Shapes: (..., in) → (..., out).
 */
public final class Linear extends HfBlock {

    private final Parameter weight; // (out, in)
    private final Parameter bias; // (out) or null

    public Linear(long in, long out, boolean withBias) {
        this.weight = hfParameter("weight", Parameter.Type.WEIGHT, new Shape(out, in));
        this.bias = withBias ? hfParameter("bias", Parameter.Type.BIAS, new Shape(out)) : null;
    }

    /** The weight (out, in): an untied LM head hands it to {@link CausalLM}'s head matmul. */
    public NDArray weight(ParameterStore ps, ai.djl.Device device, boolean training) {
        return ps.getValue(weight, device, training);
    }

    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        if (bias == null) {
            return ai.djl.nn.core.Linear.linear(x, w).head();
        }
        return ai.djl.nn.core.Linear.linear(x, w, ps.getValue(bias, x.getDevice(), training)).head();
    }
}
