package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * HF's {@code nn.Linear}: {@code weight} (out, in) and an optional {@code bias} (out), computing
 * {@code x @ weight^T + bias} as torch's {@code F.linear} does. Shapes: (..., in) → (..., out).
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
        return affine(x, w, ps.getValue(bias, x.getDevice(), training));
    }

    /**
     * {@code x @ w^T + b} by HF's kernels, to the bit: python's {@code F.linear} sends a (B, T, in)
     * input through {@code addmm} on its (B·T, in) view, the bias joined to the matmul (as GPT-2's
     * Conv1D does itself), where torch's C++ frontend, which DJL calls, would matmul and then add.
     * The two round differently once {@code in} spans several of the GEMM's blocks, and the separate
     * add is one more pass over the activations. torch takes addmm only for a contiguous input; every
     * caller's is (a layer norm's, an activation's, merged heads' output), as HF's are, so the view
     * costs no copy. A non-contiguous one would be copied here, where torch adds after the matmul.
     *
     * @param x (B, T, in); another rank goes through torch's linear as it is, as F.linear's does
     * @param w (out, in)
     * @param b (out)
     * @return (B, T, out), or (..., out) for another rank
     */
    static NDArray affine(NDArray x, NDArray w, NDArray b) {
        Shape s = x.getShape();
        if (s.dimension() != 3) {
            return ai.djl.nn.core.Linear.linear(x, w, b).head();
        }
        NDArray y = ai.djl.nn.core.Linear.linear(x.reshape(s.get(0) * s.get(1), s.get(2)), w, b).head(); // (B·T, out)
        return y.reshape(s.get(0), s.get(1), w.getShape().get(0)); // (B, T, out)
    }
}
