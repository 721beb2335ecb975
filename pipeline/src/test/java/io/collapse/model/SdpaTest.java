package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
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
        assertFalse(Sdpa.decide("eager", () -> {
            throw new AssertionError("eager never asks the JNI (reading its record loads the engine)");
        }));
        assertTrue(Sdpa.decide("sdpa", () -> true));
        var missing = assertThrows(IllegalStateException.class, () -> Sdpa.decide("sdpa", () -> false));
        assertEquals("-Dcollapse.attention=sdpa: the loaded JNI lacks it; build one with `collapse native build`"
                + " (torch 2.1 or newer) and export the line it prints", missing.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class, () -> Sdpa.decide("flash", () -> true));
        assertEquals("-Dcollapse.attention: expected eager or sdpa, got 'flash'", unknown.getMessage());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.collapse.model.HfFixture#casesAndInputs")
    void forwardAndCachedDecodingMeetTransformers(String caseName, String input) throws IOException {
        sdpa();
        HfFixture fx = HfFixture.load(caseName);
        OptForCausalLMTest.checkForward(fx, input);
        KvCacheTest.checkCacheDecoding(fx, input);
    }

    /** GPT-2, Llama (grouped-query heads), GPT-NeoX and the rest: every family's forward records and cached decoding. */
    @TestFactory
    Stream<DynamicTest> everyFamilysForwardAndCachedDecoding() throws IOException {
        sdpa();
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : HfFixture.familyCases()) {
            HfFixture fx = HfFixture.family(name);
            for (String record : fx.forwardRecords()) {
                tests.add(DynamicTest.dynamicTest(name + " forward " + record, throughSdpa(() -> OptForCausalLMTest.checkForward(fx, record))));
            }
            for (String input : List.of("batch", "padded")) {
                tests.add(DynamicTest.dynamicTest(name + " kv cache " + input, throughSdpa(() -> KvCacheTest.checkCacheDecoding(fx, input))));
            }
        }
        return tests.stream();
    }

    /** Dynamic tests run after their factory's {@code @AfterEach}: each switches SDPA on for itself. */
    private static Executable throughSdpa(Executable check) {
        return () -> {
            Sdpa.override(true);
            try {
                check.execute();
            } finally {
                Sdpa.override(null);
            }
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {HfFixture.CASE_A, HfFixture.CASE_B})
    void threeAdamWStepsReproduceTransformersLosses(String caseName) throws IOException {
        sdpa();
        new OptForCausalLMTrainingTest().threeAdamWStepsReproduceTransformersLosses(caseName);
    }

    /** float16 with left padding: the mask's −65504 plus a score overflows to −inf, harmless once no row is all masked. */
    @Test
    void halfPrecisionStaysCloseToFloat32() throws IOException {
        sdpa();
        new OptForCausalLMTest().halfPrecisionStaysCloseToFloat32();
    }

    @Test
    void aQueryThatSeesNoKeySeesEveryKeyInstead() {
        try (NDManager m = TestDevice.manager()) {
            NDArray keys = m.create(new long[][] {{1, 1, 1}, {0, 0, 1}}); // the second row left-padded twice
            NDArray mask = AttentionMasks.causal(keys, 3, 0, DataType.FLOAT32); // (B, 1, T, S)
            float[] got = AttentionMasks.unmaskUnattended(mask).toFloatArray();
            float[] want = mask.toFloatArray();
            for (int q : new int[] {3, 4}) { // row 1's queries 0 and 1: pads before its first real token
                Arrays.fill(want, q * 3, q * 3 + 3, 0f);
            }
            assertArrayEquals(want, got, 0f); // -0 where min · 0: the same as 0 added to a score
            assertEquals(-Float.MAX_VALUE, got[3 * 5 + 1], "row 1's query 2 still masks the pads: " + Arrays.toString(got));
        }
    }

    /**
     * Grouped-query heads (4 query heads over 2 key/value heads), left padding: the eager form's
     * context to rounding at every query that sees a key; while training, dropout on the probabilities.
     */
    @Test
    void sameContextAsEagerAndDropoutOnlyWhileTraining() {
        sdpa();
        Attention attention = new Attention(4, 2, 4, 0.5f, 0.5f);
        try (NDManager m = TestDevice.manager()) {
            m.getEngine().setRandomSeed(7);
            NDArray q = m.randomNormal(new Shape(3, 4, 5, 4)); // (B, H, T, D)
            NDArray k = m.randomNormal(new Shape(3, 2, 5, 4)); // (B, KV, T, D)
            NDArray v = m.randomNormal(k.getShape());
            NDArray keys = m.create(new long[][] {{1, 1, 1, 1, 1}, {0, 1, 1, 1, 1}, {0, 0, 0, 1, 1}}); // left-padded
            NDArray mask = AttentionMasks.causal(keys, 5, 0, DataType.FLOAT32); // (B, 1, T, S)
            NDArray unmasked = AttentionMasks.unmaskUnattended(mask); // as DecoderLayers gives it under SDPA
            NDArray seesKey = mask.max(new int[] {-1}, true).gt(-1f).toType(DataType.FLOAT32, false).reshape(3, 5, 1); // (B, T, 1)
            NDArray fused = attention.attend(q, k, v, null, null, unmasked, false).get(0).mul(seesKey); // (B, T, C)
            Sdpa.override(false);
            NDArray eager = attention.attend(q, k, v, null, null, mask, false).get(0).mul(seesKey);
            assertTrue(eager.sub(fused).abs().max().getFloat() < 1e-5f, eager.sub(fused).abs().max().toString());
            assertEquals(11f, seesKey.sum().getFloat(), "rows 1 and 2 have 1 and 3 queries that see no key");
            Sdpa.override(true);
            NDArray dropped = attention.attend(q, k, v, null, null, unmasked, true).get(0).mul(seesKey);
            assertNotEquals(0f, dropped.sub(fused).abs().max().getFloat(), "dropout 0.5 while training");
        }
    }

    private static void sdpa() {
        assumeTrue(JniRecord.sdpa(), "SDPA's native side is in the JNI that collapse native build makes; DJL's own lacks it");
        Sdpa.override(true);
    }
}
