package io.collapse.model;

import ai.djl.ndarray.NDArray;
import io.collapse.config.Activation;

/** HF's {@code ACT2FN}, computed as torch computes each function. */
public final class Activations {

    private Activations() {}

    public static NDArray apply(Activation activation, NDArray x) {
        return switch (activation) {
            case RELU -> ai.djl.nn.Activation.relu(x);
            case GELU -> ai.djl.nn.Activation.gelu(x); // exact (erf) form, as torch's default
            case GELU_TANH -> geluTanh(x);
            case SILU -> x.mul(ai.djl.nn.Activation.sigmoid(x));
        };
    }

    /** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    private static NDArray geluTanh(NDArray x) {
        NDArray cube = x.pow(Tensors.scalar(x, 3));
        NDArray inner = x.add(cube.mul(Tensors.scalar(x, 0.044715f))).mul(Tensors.scalar(x, (float) Math.sqrt(2 / Math.PI)));
        return x.mul(Tensors.scalar(x, 0.5f)).mul(ai.djl.nn.Activation.tanh(inner).add(Tensors.scalar(x, 1)));
    }
}
