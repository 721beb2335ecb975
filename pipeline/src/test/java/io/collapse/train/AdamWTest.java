package io.collapse.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.collapse.TestDevice;
import io.collapse.model.Tensors;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdamWTest {

    private static final double B1 = 0.9;
    private static final double B2 = 0.999;
    private static final double EPS = 1e-8;
    private static final double WD = 0.1;
    private static final double[] LRS = {1e-2, 5e-3, 2e-2, 1e-2};

    /** loss = sum(x_t * p) + sum(y * q * q): dp = x_t, dq = 2 y q. x_t changes with the step. */
    private static float[] x(int t) {
        float[] x = new float[6];
        for (int i = 0; i < 6; i++) {
            x[i] = (float) Math.sin(1.3 * i + 0.7 * t) * (i % 2 == 0 ? 1e-3f : 2.0f);
        }
        return x;
    }

    private static final float[] Y = {0.5f, -1.5f, 3f};
    private static final float[] P0 = {0.1f, -0.2f, 0.3f, 1.5f, -2.5f, 0f};
    private static final float[] Q0 = {1f, -0.5f, 0.25f};

    private static void backward(NDManager root, Map<String, NDArray> params, int t) {
        try (NDManager step = root.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray x = step.create(x(t), new Shape(2, 3));
            NDArray y = step.create(Y);
            NDArray q = params.get("q");
            NDArray loss = x.mul(params.get("p")).sum().add(y.mul(q).mul(q).sum()); // ()
            gc.backward(loss);
        }
    }

    /** Step t: the loss's gradients, one optimizer step at LRS[t - 1], gradients zeroed. */
    private static void step(NDManager root, AdamW opt, Map<String, NDArray> params, int t) {
        backward(root, params, t);
        opt.step(params, LRS[t - 1]);
        Gradients.zero(params.values());
    }

    private static Map<String, NDArray> params(NDManager m, float[] p, float[] q) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        params.put("p", m.create(p, new Shape(2, 3)));
        params.put("q", m.create(q));
        params.values().forEach(a -> a.setRequiresGradient(true));
        return params;
    }

    @Test
    void matchesTorchAdamWFormulaAndLeavesNothingInTheModelManager() {
        // Reference in double, written from torch's documentation of AdamW.
        double[] p = new double[6];
        double[] q = new double[3];
        for (int i = 0; i < 6; i++) p[i] = P0[i];
        for (int i = 0; i < 3; i++) q[i] = Q0[i];
        double[] mp = new double[6], vp = new double[6], mq = new double[3], vq = new double[3];

        try (NDManager root = TestDevice.manager();
                NDManager model = root.newSubManager();
                AdamW opt = adamW(root)) {
            Map<String, NDArray> params = params(model, P0, Q0);
            for (int t = 1; t <= LRS.length; t++) {
                double lr = LRS[t - 1];
                float[] xt = x(t);
                double[] gp = new double[6], gq = new double[3];
                for (int i = 0; i < 6; i++) gp[i] = xt[i];
                for (int i = 0; i < 3; i++) gq[i] = 2 * Y[i] * q[i];
                refStep(p, gp, mp, vp, lr, t);
                refStep(q, gq, mq, vq, lr, t);

                backward(root, params, t);
                opt.step(params, lr);
                Gradients.zero(params.values());
                if (t == 1) {
                    model.cap(); // from now on, an array attached to the model's manager throws
                }
                // Read in a scope: on a GPU, DJL's host copy would join the model's manager.
                float[] gotP = Tensors.hostFloats(params.get("p"));
                float[] gotQ = Tensors.hostFloats(params.get("q"));
                for (int i = 0; i < 6; i++) assertEquals(p[i], gotP[i], 1e-6 * (1 + Math.abs(p[i])), "p[" + i + "] step " + t);
                for (int i = 0; i < 3; i++) assertEquals(q[i], gotQ[i], 1e-6 * (1 + Math.abs(q[i])), "q[" + i + "] step " + t);
            }
            assertEquals(LRS.length, opt.stepCount());
            assertEquals(2, model.getManagedArrays().size());
        }
    }

    /** AdamW with the constants the reference steps use. */
    private static AdamW adamW(NDManager root) {
        return new AdamW(root, B1, B2, EPS, WD);
    }

    private static void refStep(double[] p, double[] g, double[] m, double[] v, double lr, int t) {
        for (int i = 0; i < p.length; i++) {
            p[i] -= lr * WD * p[i];
            m[i] = B1 * m[i] + (1 - B1) * g[i];
            v[i] = B2 * v[i] + (1 - B2) * g[i] * g[i];
            double mHat = m[i] / (1 - Math.pow(B1, t));
            double vHat = v[i] / (1 - Math.pow(B2, t));
            p[i] -= lr * mHat / (Math.sqrt(vHat) + EPS);
        }
    }

    @Test
    void savedStateResumesBitwise() {
        try (NDManager root = TestDevice.manager();
                AdamW a = adamW(root);
                AdamW b = adamW(root)) {
            Map<String, NDArray> pa = params(root, P0, Q0);
            for (int t = 1; t <= 2; t++) {
                step(root, a, pa, t);
            }
            Map<String, NDArray> pb = params(root, pa.get("p").toFloatArray(), pa.get("q").toFloatArray());
            b.load(a.state(), a.stepCount(), pb);
            for (int t = 3; t <= 4; t++) {
                step(root, a, pa, t);
                step(root, b, pb, t);
            }
            assertArrayEquals(pa.get("p").toFloatArray(), pb.get("p").toFloatArray());
            assertArrayEquals(pa.get("q").toFloatArray(), pb.get("q").toFloatArray());
            assertEquals(4, b.stepCount());
        }
    }

    /**
     * Where the JNI has the fused kernel (the self-built one: every test above ran fused), its steps
     * track the per-tensor form's to float32 rounding; with DJL's own JNI both are the per-tensor form.
     */
    @Test
    void theFusedAndPerTensorFormsTakeTheSameSteps() {
        try (NDManager root = TestDevice.manager();
                AdamW fused = adamW(root);
                AdamW perTensor = adamW(root)) {
            Map<String, NDArray> pa = params(root, P0, Q0);
            Map<String, NDArray> pb = params(root, P0, Q0);
            for (int t = 1; t <= LRS.length; t++) {
                step(root, fused, pa, t);
                int at = t;
                AdamwProperty.with("per-tensor", () -> {
                    step(root, perTensor, pb, at);
                    return null;
                });
            }
            for (String name : pa.keySet()) {
                float[] a = Tensors.hostFloats(pa.get(name));
                float[] b = Tensors.hostFloats(pb.get(name));
                for (int i = 0; i < a.length; i++) {
                    assertEquals(b[i], a[i], 1e-6 * (1 + Math.abs(b[i])), name + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void anUnknownAdamwFormIsRefusedInOneLine() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> AdamwProperty.with("fast", () -> AdamW.fused(Device.cpu())));
        assertEquals("-Dcollapse.adamw: expected auto or per-tensor, got 'fast'", e.getMessage());
    }
}
