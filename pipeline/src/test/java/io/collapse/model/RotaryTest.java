package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.collapse.TestDevice;
import io.collapse.config.RopeParameters;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** inv_freq against transformers 5.17's LlamaRotaryEmbedding (values printed by it), and the rotation's contract. */
class RotaryTest {

    /** LlamaConfig(hidden 64, heads 4, theta 1e4, llama3 factor 8, low 1, high 4, original 64): every branch of the rule. */
    private static final float[] HF_LLAMA3 = {1.0f, 0.24438458681106567f, 0.013042256236076355f, 0.0039528473280370235f,
        0.0012499999720603228f, 0.00039528473280370235f, 0.0001250000059371814f, 3.9528473280370235e-05f};

    /** LlamaConfig(hidden 64, heads 4, theta 5e5, rope_scaling {type: linear, factor: 4}). */
    private static final float[] HF_LINEAR = {0.25f, 0.04848068952560425f, 0.009401507675647736f, 0.001823166268877685f,
        0.0003535533614922315f, 6.856204709038138e-05f, 1.3295739336172119e-05f, 2.578346311565838e-06f};

    /** SmolLM2-135M: head_dim 64, theta 1e5, the first and last four. */
    private static final float[] HF_SMOLLM2_HEAD = {1.0f, 0.6978305578231812f, 0.486967533826828f, 0.33982083201408386f};
    private static final float[] HF_SMOLLM2_TAIL = {2.9427272238535807e-05f, 2.0535249859676696e-05f,
        1.4330126759887207e-05f};

    @Test
    void inverseFrequenciesMatchTransformers() {
        assertClose(HF_LLAMA3, new Rotary(16, new RopeParameters("llama3", 10000.0, 8.0, 1.0, 4.0, 64)).invFreq());
        assertClose(HF_LINEAR, new Rotary(16, new RopeParameters("linear", 500000.0, 4.0, null, null, null)).invFreq());
        float[] smol = new Rotary(64, RopeParameters.plain(100000)).invFreq();
        assertEquals(32, smol.length);
        assertClose(HF_SMOLLM2_HEAD, java.util.Arrays.copyOfRange(smol, 0, 4));
        assertClose(HF_SMOLLM2_TAIL, java.util.Arrays.copyOfRange(smol, 29, 32));
    }

    /** Within one float32 step: Java's power is correctly rounded, torch's may be a bit off. */
    private static void assertClose(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= Math.ulp(want[i]), "inv_freq[" + i + "]: " + got[i] + " vs HF " + want[i]);
        }
    }

    /** GPT-NeoX's partial rotary: the leading R dims turn as a full rotary of width R would turn them, the rest pass. */
    @Test
    void partialRotaryTurnsOnlyTheLeadingDims() {
        try (NDManager m = TestDevice.manager()) {
            NDArray x = random(m, new Shape(2, 3, 5, 8)); // (B, H, T, D)
            NDArray positions = Tensors.of(m, new long[] {0, 1, 2, 7, 30, 3, 4, 5, 6, 7}, new Shape(2, 5));
            Rotary partial = new Rotary(4, RopeParameters.plain(10000));
            NDList cs = partial.cosSin(positions, DataType.FLOAT32);
            assertEquals(new Shape(2, 5, 4), cs.get(0).getShape());
            NDArray out = Rotary.apply(x, cs.get(0), cs.get(1));
            assertArrayEquals(x.get(new NDIndex(":, :, :, 4:")).toFloatArray(), out.get(new NDIndex(":, :, :, 4:")).toFloatArray());
            NDArray lead = x.get(new NDIndex(":, :, :, :4"));
            assertArrayEquals(Rotary.apply(lead, cs.get(0), cs.get(1)).toFloatArray(),
                    out.get(new NDIndex(":, :, :, :4")).toFloatArray());
        }
    }

    /** Position 0 is the identity; a rotation keeps each pair's length; q·k depends only on the distance. */
    @Test
    void rotationIsRelative() {
        try (NDManager m = TestDevice.manager()) {
            Rotary r = new Rotary(8, new RopeParameters("llama3", 10000.0, 8.0, 1.0, 4.0, 64));
            NDArray q = random(m, new Shape(1, 1, 1, 8));
            NDArray k = random(m, new Shape(1, 1, 1, 8));
            NDList at0 = r.cosSin(Tensors.of(m, new long[] {0}, new Shape(1, 1)), DataType.FLOAT32);
            assertArrayEquals(q.toFloatArray(), Rotary.apply(q, at0.get(0), at0.get(1)).toFloatArray(), 1e-7f);
            float near = dot(r, q, k, 5, 2);
            float far = dot(r, q, k, 105, 102);
            assertEquals(near, far, 1e-4f * Math.abs(near) + 1e-5f);
        }
    }

    private static float dot(Rotary r, NDArray q, NDArray k, long qPos, long kPos) {
        NDManager m = q.getManager();
        NDList cq = r.cosSin(Tensors.of(m, new long[] {qPos}, new Shape(1, 1)), DataType.FLOAT32);
        NDList ck = r.cosSin(Tensors.of(m, new long[] {kPos}, new Shape(1, 1)), DataType.FLOAT32);
        return Rotary.apply(q, cq.get(0), cq.get(1)).mul(Rotary.apply(k, ck.get(0), ck.get(1))).sum().getFloat();
    }

    private static NDArray random(NDManager m, Shape shape) {
        SplittableRandom rng = new SplittableRandom(7);
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return Tensors.of(m, v, shape);
    }
}
