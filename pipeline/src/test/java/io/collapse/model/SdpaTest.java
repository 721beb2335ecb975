package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.collapse.TestDevice;
import io.collapse.nativelib.JniRecord;
import io.collapse.nativelib.JniSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Attention through SDPA ({@code -Dcollapse.attention=sdpa}) meets the HF records the eager form
 * meets, with the same tolerances. Those tests need SDPA's native side, which only the JNI that
 * {@code collapse native build} makes has (the GPU check, a rehearsal against pip torch); under
 * DJL's own JNI they are aborted by their assumption, and the switch's refusal is what is tested.
 */
class SdpaTest {

    @AfterEach
    void decideAgain() {
        Sdpa.override(null);
    }

    @Test
    void theSwitchTakesEagerOrSdpaAndSdpaNeedsAJniThatHasIt() {
        assertFalse(Sdpa.decide("eager", true));
        assertFalse(Sdpa.decide("eager", false));
        assertTrue(Sdpa.decide("sdpa", true));
        var missing = assertThrows(IllegalStateException.class, () -> Sdpa.decide("sdpa", false));
        assertEquals("-Dcollapse.attention=sdpa: the loaded JNI lacks it; build one with `collapse native build`"
                + " (torch 2.1 or newer) and export the line it prints", missing.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class, () -> Sdpa.decide("flash", true));
        assertEquals("-Dcollapse.attention: expected eager or sdpa, got 'flash'", unknown.getMessage());
    }

    @Test
    void theStagedUnitDefinesTheNativeMethodUnderItsJniName(@TempDir Path work) throws Exception {
        Path djl = JniSources.defaultRoot(Path.of(System.getProperty("collapse.repo", ".")));
        String unit = Files.readString(new JniSources(djl).stagedOwnUnit(work));
        assertTrue(unit.contains("Java_io_collapse_model_Sdpa_attend(JNIEnv* env, jclass, jlong q, jlong k, jlong v,\n"
                + "    jlong mask, jdouble dropout)"), "the unit defines Sdpa.attend(long, long, long, long, double)");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.collapse.model.HfFixture#casesAndInputs")
    void forwardAndCachedDecodingMeetTransformers(String caseName, String input) throws IOException {
        sdpa();
        HfFixture fx = HfFixture.load(caseName);
        OptForCausalLMTest.checkForward(fx, input);
        KvCacheTest.checkCacheDecoding(fx, input);
    }

    @ParameterizedTest
    @ValueSource(strings = {HfFixture.CASE_A, HfFixture.CASE_B})
    void threeAdamWStepsReproduceTransformersLosses(String caseName) throws IOException {
        sdpa();
        new OptForCausalLMTrainingTest().threeAdamWStepsReproduceTransformersLosses(caseName);
    }

    /** Eval: the eager form's context to rounding, a masked key ignored; training: dropout on the probabilities. */
    @Test
    void sameContextAsEagerAndDropoutOnlyWhileTraining() {
        sdpa();
        Attention attention = new Attention(2, 2, 4, 0.5f, 0.5f);
        try (NDManager m = TestDevice.manager()) {
            m.getEngine().setRandomSeed(7);
            NDArray q = m.randomNormal(new Shape(3, 2, 5, 4)); // (B, H, T, D)
            NDArray k = m.randomNormal(q.getShape());
            NDArray v = m.randomNormal(q.getShape());
            NDArray keys = m.create(new long[][] {{1, 1, 1, 1, 1}, {0, 1, 1, 1, 1}, {0, 0, 0, 1, 1}}); // left-padded
            NDArray mask = AttentionMasks.causal(keys, 5, 0, DataType.FLOAT32); // (B, 1, T, S)
            NDArray fused = attention.attend(q, k, v, null, null, mask, false).get(0);
            Sdpa.override(false);
            NDArray eager = attention.attend(q, k, v, null, null, mask, false).get(0);
            assertTrue(eager.sub(fused).abs().max().getFloat() < 1e-5f, eager.sub(fused).abs().max().toString());
            Sdpa.override(true);
            NDArray dropped = attention.attend(q, k, v, null, null, mask, true).get(0);
            assertNotEquals(0f, dropped.sub(fused).abs().max().getFloat(), "dropout 0.5 while training");
        }
    }

    private static void sdpa() {
        assumeTrue(JniRecord.sdpa(), "SDPA's native side is in the JNI that collapse native build makes; DJL's own lacks it");
        Sdpa.override(true);
    }
}
