package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.collapse.TestDevice;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * HF's {@code F.linear} (torch's {@code at::linear}) sends a contiguous 3-D input with a bias through
 * {@code addmm} on its 2-D view, and GPT-2's Conv1D calls {@code addmm} itself; torch's C++ frontend,
 * which DJL calls, would take matmul and a separate add. The two round differently once the inner
 * dimension spans several of the GEMM's blocks (addmm adds the bias first, the other last), so the
 * layers take HF's path, to the bit.
 */
class LinearTest {

    @Test
    void aBatchOfSequencesTakesAddmmOnItsTwoDimensionalViewToTheBit() {
        try (NDManager manager = TestDevice.manager()) {
            manager.getEngine().setRandomSeed(3);
            // 768 inputs, as OPT-125m's: a CPU's GEMM then sums in several blocks (48 would be one).
            NDArray x = manager.randomNormal(new Shape(2, 16, 768)); // (B, T, in)
            NDArray w = manager.randomNormal(new Shape(32, 768)); // (out, in)
            NDArray b = manager.randomNormal(new Shape(32)); // (out)
            NDArray upstream = manager.randomNormal(new Shape(2, 16, 32)); // (B, T, out): a loss's gradient

            List<float[]> ours = forwardAndGradients(x, w, b, upstream, in -> Linear.affine(in.get(0), in.get(1), in.get(2)));
            List<float[]> addmm = forwardAndGradients(x, w, b, upstream, in -> ai.djl.nn.core.Linear.linear(
                    in.get(0).reshape(2 * 16, 768), in.get(1), in.get(2)).head().reshape(2, 16, 32)); // 2-D: addmm
            String[] what = {"output", "x's gradient", "weight's gradient", "bias's gradient"};
            for (int i = 0; i < what.length; i++) {
                assertArrayEquals(addmm.get(i), ours.get(i), what[i]);
            }
        }
    }

    /** The output of {@code f} on copies of (x, w, b), then the gradients of sum(output · upstream) with respect to each. */
    private static List<float[]> forwardAndGradients(NDArray x, NDArray w, NDArray b, NDArray upstream,
            Function<List<NDArray>, NDArray> f) {
        List<NDArray> in = List.of(x.duplicate(), w.duplicate(), b.duplicate());
        in.forEach(a -> a.setRequiresGradient(true));
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray y = f.apply(in);
            gc.backward(y.mul(upstream).sum());
            return List.of(y.toFloatArray(), in.get(0).getGradient().toFloatArray(), in.get(1).getGradient().toFloatArray(),
                    in.get(2).getGradient().toFloatArray());
        }
    }
}
