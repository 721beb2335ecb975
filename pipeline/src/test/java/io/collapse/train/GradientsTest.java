package io.collapse.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.collapse.TestDevice;
import io.collapse.model.Scope;
import io.collapse.model.Tensors;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientsTest {

    /** {@link Gradients#clipGradNorm} on the gradients of {@code params}, its temporaries in a scope of their own. */
    private static double clipNorm(Collection<NDArray> params, double maxNorm) {
        try (Scope scope = Scope.borrowing(params)) {
            NDList grads = new NDList(params.size());
            for (NDArray p : params) {
                grads.add(p.getGradient()); // joins p's manager: the scope
            }
            return Gradients.clipGradNorm(grads, maxNorm);
        }
    }

    /** loss = sum(c_a * a) + sum(c_b * b), so the gradients are c_a and c_b. */
    private static List<NDArray> withGradients(NDManager m, float[] ca, float[] cb) {
        NDArray a = m.create(new float[ca.length]);
        NDArray b = m.create(new float[cb.length]);
        a.setRequiresGradient(true);
        b.setRequiresGradient(true);
        try (NDManager step = m.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(step.create(ca).mul(a).sum().add(step.create(cb).mul(b).sum()));
        }
        return List.of(a, b);
    }

    @Test
    void clipsTheGlobalNormLikeTorch() {
        try (NDManager m = TestDevice.manager()) {
            List<NDArray> params = withGradients(m, new float[] {3, 0}, new float[] {0, 0, 4}); // norm 5
            assertEquals(5.0, clipNorm(params, 1.0), 1e-6);
            double coef = 1.0 / (5.0 + 1e-6);
            assertArrayEquals(new float[] {(float) (3 * coef), 0}, params.get(0).getGradient().toFloatArray(), 1e-7f);
            assertArrayEquals(new float[] {0, 0, (float) (4 * coef)}, params.get(1).getGradient().toFloatArray(), 1e-7f);
        }
    }

    @Test
    void leavesSmallGradientsAndOffSettingAlone() {
        try (NDManager m = TestDevice.manager()) {
            List<NDArray> params = withGradients(m, new float[] {0.3f, 0}, new float[] {0, 0, 0.4f});
            assertEquals(0.5, clipNorm(params, 1.0), 1e-6);
            assertArrayEquals(new float[] {0.3f, 0}, params.get(0).getGradient().toFloatArray());
            List<NDArray> big = withGradients(m, new float[] {30, 0}, new float[] {0, 0, 40});
            assertEquals(50.0, clipNorm(big, 0), 1e-4);
            assertArrayEquals(new float[] {30, 0}, big.get(0).getGradient().toFloatArray());
        }
    }

    /**
     * Where the self-built JNI is loaded (every test above then runs the foreach forms), the fused
     * norm, clipping and zeroing agree with the per-tensor ones; on DJL's JNI both are per tensor.
     */
    @Test
    void theFusedAndPerTensorFormsAgree() {
        float[] ca = {3.5f, -0.25f, 1e-3f};
        float[] cb = {-7f, 2f};
        try (NDManager m = TestDevice.manager()) {
            List<NDArray> fused = withGradients(m, ca, cb);
            List<NDArray> perTensor = withGradients(m, ca, cb);
            double norm = clipNorm(fused, 2.0);
            assertEquals(AdamwProperty.with("per-tensor", () -> clipNorm(perTensor, 2.0)), norm, 1e-6 * norm);
            for (int i = 0; i < 2; i++) {
                float[] want = Tensors.hostFloats(perTensor.get(i).getGradient());
                float[] got = Tensors.hostFloats(fused.get(i).getGradient());
                for (int j = 0; j < want.length; j++) {
                    assertEquals(want[j], got[j], 1e-6 * (1 + Math.abs(want[j])), "gradient " + i + "[" + j + "]");
                }
            }
            Gradients.zero(fused);
            assertArrayEquals(new float[3], Tensors.hostFloats(fused.get(0).getGradient()));
            assertArrayEquals(new float[2], Tensors.hostFloats(fused.get(1).getGradient()));
        }
    }

    @Test
    void zeroResetsAccumulatedGradients() {
        try (NDManager m = TestDevice.manager()) {
            List<NDArray> params = withGradients(m, new float[] {1, 2}, new float[] {3, 4, 5});
            Gradients.zero(params);
            assertArrayEquals(new float[] {0, 0}, params.get(0).getGradient().toFloatArray());
            assertArrayEquals(new float[] {0, 0, 0}, params.get(1).getGradient().toFloatArray());
        }
    }
}
