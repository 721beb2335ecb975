package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.TestDevice;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HostTensor;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * HF parity of one forward pass: hidden states and logits against transformers' own outputs, at
 * the positions the README calls valid (mask 1). "Relative error" is max |ours − HF| over valid
 * entries divided by max |HF| over the same entries.
 */
class OptForCausalLMTest {

    static final double TOL = 1e-4;

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.collapse.model.HfFixture#casesAndInputs")
    void forwardMatchesTransformers(String caseName, String input) throws IOException {
        checkForward(HfFixture.load(caseName), input);
    }

    /**
     * A forward record of any fixture: every hidden state, the full logits where stored, the logits
     * slice, logsumexp, argmax and next-token logits at the valid positions.
     */
    static void checkForward(HfFixture fx, String record) {
        JsonNode expected = fx.forward(record);
        long[][] ids = fx.inputIds(fx.inputOf(record));
        long[][] mask = fx.maskOf(record);
        int b = ids.length;
        int t = ids[0].length;
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = fx.model(manager);
            CausalLMOutput out = fx.run(lm, manager, record, true);
            boolean[][] valid = valid(mask, b, t);

            int layers = fx.config().numHiddenLayers();
            assertEquals(layers + 1, out.hiddenStates().size());
            for (int i = 0; i <= layers; i++) {
                String name = "forward." + record + ".hidden_states." + i;
                HostTensor want = fx.tensors().get(name);
                assertArrayEqualsShape(want.shape(), out.hiddenStates().get(i).getShape().getShape(), name);
                assertClose(want.toFloats(), out.hiddenStates().get(i).toFloatArray(), valid, name);
            }

            int v = fx.config().vocabSize();
            assertArrayEqualsShape(new long[] {b, t, v}, out.logits().getShape().getShape(), "logits");
            float[] logits = out.logits().toFloatArray();
            HostTensor full = fx.tensors().get("forward." + record + ".logits");
            if (full != null) {
                assertClose(full.toFloats(), logits, valid, record + " logits");
            }

            JsonNode slice = expected.path("logits_slice");
            int positions = slice.path("positions").size();
            int vocabIds = slice.path("vocab_ids").size();
            float[] want = new float[b * positions * vocabIds];
            float[] got = new float[want.length];
            boolean[][] sliceValid = new boolean[b][positions * vocabIds];
            for (int r = 0; r < b; r++) {
                for (int p = 0; p < positions; p++) {
                    int pos = slice.path("positions").get(p).asInt();
                    for (int j = 0; j < vocabIds; j++) {
                        int k = (r * positions + p) * vocabIds + j;
                        want[k] = (float) slice.path("values").get(r).get(p).get(j).asDouble();
                        got[k] = logits[(r * t + pos) * v + slice.path("vocab_ids").get(j).asInt()];
                        sliceValid[r][p * vocabIds + j] = valid[r][pos];
                    }
                }
            }
            assertClose(want, got, sliceValid, record + " logits_slice");

            float[] lse = out.logits().logSoftmax(-1).neg().add(out.logits()).toFloatArray(); // logsumexp, per entry
            float[] wantLse = new float[b * t];
            float[] gotLse = new float[b * t];
            float[] wantNext = new float[b * (t - 1)];
            float[] gotNext = new float[b * (t - 1)];
            boolean[][] nextValid = new boolean[b][t - 1];
            for (int r = 0; r < b; r++) {
                for (int p = 0; p < t; p++) {
                    wantLse[r * t + p] = (float) expected.path("logsumexp").get(r).get(p).asDouble();
                    gotLse[r * t + p] = lse[(r * t + p) * v];
                    if (valid[r][p]) {
                        int argmax = argmax(logits, (r * t + p) * v, v);
                        assertEquals(expected.path("argmax").get(r).get(p).asInt(), argmax,
                                "argmax at row " + r + " position " + p);
                    }
                    if (p < t - 1) {
                        wantNext[r * (t - 1) + p] = (float) expected.path("next_token_logit").get(r).get(p).asDouble();
                        gotNext[r * (t - 1) + p] = logits[(r * t + p) * v + (int) ids[r][p + 1]];
                        nextValid[r][p] = valid[r][p];
                    }
                }
            }
            assertClose(wantLse, gotLse, valid, record + " logsumexp");
            assertClose(wantNext, gotNext, nextValid, record + " next_token_logit");
        }
    }

    @org.junit.jupiter.api.Test
    void halfPrecisionStaysCloseToFloat32() throws IOException {
        HfFixture fx = HfFixture.load(HfFixture.CASE_A);
        DataType dtype = DataType.FLOAT16;
        try (NDManager manager = TestDevice.manager()) {
            NDArray ids = manager.create(fx.inputIds("padded"));
            NDArray mask = manager.create(fx.attentionMask("padded"));
            NDArray full = fx.model(manager).forward(ids, mask, null).logits();
            CausalLM half = AutoModelForCausalLM.fromStateDict(fx.config(), fx.weights(), manager, dtype);
            NDArray logits = half.forward(ids, mask, null).logits();
            assertEquals(DataType.FLOAT32, logits.getDataType());
            NDArray valid = mask.toType(DataType.FLOAT32, false).expandDims(-1);
            float rel = full.sub(logits).abs().mul(valid).max().getFloat() / full.abs().mul(valid).max().getFloat();
            assertTrue(rel < 0.05, dtype + ": relative error " + rel);
        }
    }

    static boolean[][] valid(long[][] mask, int b, int t) {
        boolean[][] valid = new boolean[b][t];
        for (int r = 0; r < b; r++) {
            for (int p = 0; p < t; p++) {
                valid[r][p] = mask == null || mask[r][p] == 1;
            }
        }
        return valid;
    }

    /** want/got are row-major with valid.length rows; each row's entries split evenly over valid[r]'s positions. */
    static void assertClose(float[] want, float[] got, boolean[][] valid, String what) {
        assertEquals(want.length, got.length, what + ": size");
        int rows = valid.length;
        int perRow = want.length / rows;
        int perPos = perRow / valid[0].length;
        double maxDiff = 0;
        double maxAbs = 0;
        int checked = 0;
        for (int i = 0; i < want.length; i++) {
            int r = i / perRow;
            int p = (i % perRow) / perPos;
            if (!valid[r][p]) {
                continue;
            }
            checked++;
            assertTrue(Float.isFinite(got[i]), what + ": non-finite value at " + i);
            maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
            maxAbs = Math.max(maxAbs, Math.abs(want[i]));
        }
        assertTrue(checked > 0, what + ": nothing compared");
        double rel = maxDiff / maxAbs;
        report(what, rel);
        assertTrue(rel < TOL, what + ": relative error " + rel + " (max abs diff " + maxDiff + ", scale " + maxAbs + ")");
    }

    /** With -Dcollapse.parity.print=true, each comparison's relative error goes to stdout (for reports). */
    static void report(String what, double rel) {
        if (Boolean.getBoolean("collapse.parity.print")) {
            System.out.printf("parity %-50s %.3g%n", what, rel);
        }
    }

    static void assertArrayEqualsShape(long[] want, long[] got, String what) {
        assertEquals(java.util.Arrays.toString(want), java.util.Arrays.toString(got), what + ": shape");
    }

    static int argmax(float[] a, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (a[from + i] > a[from + best]) {
                best = i;
            }
        }
        return best;
    }
}
