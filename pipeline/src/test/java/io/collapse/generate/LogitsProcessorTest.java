package io.collapse.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.collapse.TestDevice;
import io.collapse.config.ConfigLoader;
import io.collapse.config.GenerationConfig;
import io.collapse.config.Strategy;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LogitsProcessorTest {

    private static final float NEG = Float.NEGATIVE_INFINITY;
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = TestDevice.manager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private NDArray scores(float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(rows[r], 0, flat, r * rows[0].length, rows[0].length);
        }
        return manager.create(flat, new Shape(rows.length, rows[0].length));
    }

    private static float[] row(NDArray a, int r) {
        int v = (int) a.getShape().get(1);
        float[] all = a.toFloatArray();
        float[] out = new float[v];
        System.arraycopy(all, r * v, out, 0, v);
        return out;
    }

    @Test
    void repetitionPenaltyDividesPositiveMultipliesNegativeOncePerId() {
        NDArray s = scores(new float[][] {{-1f, 2f, 0.5f, -3f}, {-1f, 2f, 0.5f, -3f}});
        int[][] ids = {{1, 1, 3}, {0, 2, 2}}; // id 1 twice in row 0: penalised once
        NDArray out = new LogitsProcessor.RepetitionPenalty(2f).process(s, ids);
        assertArrayEquals(new float[] {-1f, 1f, 0.5f, -6f}, row(out, 0));
        assertArrayEquals(new float[] {-2f, 2f, 0.25f, -3f}, row(out, 1));
    }

    @Test
    void minNewTokensForbidsEosUntilEnoughNewTokens() {
        LogitsProcessor p = new LogitsProcessor.MinNewTokens(3, 2, List.of(2));
        NDArray early = p.process(scores(new float[][] {{1f, 1f, 5f, 1f}}), new int[][] {{4, 5, 6, 7}});
        assertArrayEquals(new float[] {1f, 1f, NEG, 1f}, row(early, 0));
        NDArray late = p.process(scores(new float[][] {{1f, 1f, 5f, 1f}}), new int[][] {{4, 5, 6, 7, 8}});
        assertArrayEquals(new float[] {1f, 1f, 5f, 1f}, row(late, 0));
    }

    @Test
    void noRepeatNgramBansCompletionsOfSeenNgrams() {
        float[] ones = {1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f};
        NDArray s = scores(new float[][] {ones, ones, ones});
        // Row 0: last token 5 was followed by 6 and by 7 before. Row 1: 3 never seen before. Row 2: 2-gram (4,4).
        int[][] ids = {{5, 6, 5, 7, 5}, {1, 2, 3, 0, 3}, {4, 4, 4, 0, 4}};
        NDArray out = new LogitsProcessor.NoRepeatNGram(2).process(s, ids);
        assertArrayEquals(new float[] {1f, 1f, 1f, 1f, 1f, 1f, NEG, NEG}, row(out, 0));
        assertArrayEquals(new float[] {NEG, 1f, 1f, 1f, 1f, 1f, 1f, 1f}, row(out, 1));
        assertArrayEquals(new float[] {NEG, 1f, 1f, 1f, NEG, 1f, 1f, 1f}, row(out, 2));
        NDArray unigrams = new LogitsProcessor.NoRepeatNGram(1).process(scores(new float[][] {ones}), new int[][] {{2, 3}});
        assertArrayEquals(new float[] {1f, 1f, NEG, NEG, 1f, 1f, 1f, 1f}, row(unigrams, 0));
    }

    @Test
    void topKKeepsTiesAtTheThreshold() {
        NDArray out = new LogitsProcessor.TopK(2, 1).process(scores(new float[][] {{1f, 3f, 2f, 0f}, {1f, 1f, 1f, 0f}}), null);
        assertArrayEquals(new float[] {NEG, 3f, 2f, NEG}, row(out, 0));
        assertArrayEquals(new float[] {1f, 1f, 1f, NEG}, row(out, 1));
    }

    @Test
    void topPDropsTheUnlikelyTailButKeepsTheBest() {
        float[] logProbs = {(float) Math.log(0.1), (float) Math.log(0.6), (float) Math.log(0.3)};
        NDArray half = new LogitsProcessor.TopP(0.5, 1).process(scores(new float[][] {logProbs}), null);
        assertArrayEquals(new float[] {NEG, logProbs[1], NEG}, row(half, 0));
        NDArray wide = new LogitsProcessor.TopP(0.7, 1).process(scores(new float[][] {logProbs}), null);
        assertArrayEquals(new float[] {NEG, logProbs[1], logProbs[2]}, row(wide, 0));
        // p so small that nothing survives the threshold: min_tokens_to_keep keeps the best one.
        NDArray tiny = new LogitsProcessor.TopP(0.01, 1).process(scores(new float[][] {logProbs}), null);
        assertArrayEquals(new float[] {NEG, logProbs[1], NEG}, row(tiny, 0));
    }

    @Test
    void temperatureDividesAndWarpersFollowHfOrder() {
        NDArray out = new LogitsProcessor.Temperature(0.5f).process(scores(new float[][] {{1f, -2f}}), null);
        assertArrayEquals(new float[] {2f, -4f}, row(out, 0));
        GenerationConfig cfg = GenerationConfig.of(ConfigLoader.fields("strategy", Strategy.SAMPLE, "min_new_tokens", 2,
                "max_new_tokens", 8, "repetition_penalty", 3.0, "no_repeat_ngram_size", 2, "temperature", 0.7,
                "top_k", 10, "top_p", 0.9));
        List<LogitsProcessor> procs = LogitsProcessor.processors(cfg, 5, List.of(2));
        assertEquals(List.of(LogitsProcessor.RepetitionPenalty.class, LogitsProcessor.NoRepeatNGram.class,
                LogitsProcessor.MinNewTokens.class), procs.stream().map(Object::getClass).toList());
        assertEquals(List.of(LogitsProcessor.Temperature.class, LogitsProcessor.TopK.class, LogitsProcessor.TopP.class),
                LogitsProcessor.warpers(cfg).stream().map(Object::getClass).toList());
        assertEquals(1, LogitsProcessor.warpers(GenerationConfig.of(Strategy.SAMPLE, 4)).size());
    }

    @Test
    void multinomialSamplerFollowsProbabilitiesAndItsSeed() {
        int rows = 2000;
        float[][] table = new float[rows][];
        for (int r = 0; r < rows; r++) {
            table[r] = new float[] {NEG, (float) Math.log(0.25), NEG, (float) Math.log(0.75)};
        }
        int[] all = new int[rows];
        for (int r = 0; r < rows; r++) {
            all[r] = r;
        }
        int[] first = Sampler.multinomial(7, 0, 1, rows).choose(scores(table), all);
        int[] again = Sampler.multinomial(7, 0, 1, rows).choose(scores(table), all);
        int[] other = Sampler.multinomial(8, 0, 1, rows).choose(scores(table), all);
        assertArrayEquals(first, again);
        assertNotEquals(java.util.Arrays.toString(first), java.util.Arrays.toString(other));
        int threes = 0;
        for (int t : first) {
            assertTrue(t == 1 || t == 3, "token of probability 0 drawn: " + t);
            threes += t == 3 ? 1 : 0;
        }
        // 0.75 · 2000 = 1500, standard deviation ≈ 19.4: ±100 is > 5 sigma.
        assertTrue(Math.abs(threes - 1500) < 100, "draws of the 0.75 token: " + threes);
        // A row's stream depends on its global row, not on its position in the call.
        int[] shifted = Sampler.multinomial(7, 1, 1, rows - 1).choose(scores(java.util.Arrays.copyOf(table, rows - 1)),
                java.util.Arrays.copyOf(all, rows - 1));
        assertArrayEquals(java.util.Arrays.copyOfRange(first, 1, rows), shifted);
    }

    /** HF's exact boundary: a token goes when its ascending cumulative probability is <= 1 - p; ties go in sort order. */
    @Test
    void topPRemovesAtTheBoundaryAndAmongTies() {
        float[] probs = {(float) Math.log(0.1), (float) Math.log(0.2), (float) Math.log(0.3), (float) Math.log(0.4)};
        NDArray out = new LogitsProcessor.TopP(0.7, 1).process(scores(new float[][] {probs}), null);
        assertArrayEquals(new float[] {NEG, NEG, probs[2], probs[3]}, row(out, 0));
        NDArray ties = new LogitsProcessor.TopP(0.5, 1).process(scores(new float[][] {{0f, 0f, 0f, 0f}}), null);
        assertArrayEquals(new float[] {NEG, NEG, 0f, 0f}, row(ties, 0));
        NDArray zero = new LogitsProcessor.TopP(0.0, 1).process(scores(new float[][] {probs}), null);
        assertArrayEquals(new float[] {NEG, NEG, NEG, probs[3]}, row(zero, 0), "top_p 0 keeps the best token, as HF");
    }

    @Test
    void topKBeyondTheVocabularyOrTheFiniteScoresKeepsWhatThereIs() {
        NDArray wide = new LogitsProcessor.TopK(10, 1).process(scores(new float[][] {{1f, 3f, 2f, 0f}}), null);
        assertArrayEquals(new float[] {1f, 3f, 2f, 0f}, row(wide, 0));
        NDArray few = new LogitsProcessor.TopK(3, 1).process(scores(new float[][] {{NEG, 3f, NEG, 0f}}), null);
        assertArrayEquals(new float[] {NEG, 3f, NEG, 0f}, row(few, 0));
    }

    @Test
    void temperatureAloneIsTheOnlyWarperWhenTopKAndTopPAreOff() {
        GenerationConfig cfg = GenerationConfig.of(ConfigLoader.fields("strategy", Strategy.SAMPLE, "max_new_tokens", 8,
                "temperature", 0.7, "top_k", 0, "top_p", 1.0));
        assertEquals(List.of(LogitsProcessor.Temperature.class),
                LogitsProcessor.warpers(cfg).stream().map(Object::getClass).toList());
    }

    /**
     * Logits 0, 0, -30, -17.5: token 3 has probability 1.3e-8 (HF's multinomial draws it that
     * often). A float32 running sum is already 1 after token 1 and would never reach it.
     */
    @Test
    void theDrawKeepsTheProbabilityOfFarTailTokens() {
        NDArray s = scores(new float[][] {{0f, 0f, -30f, -17.5f}, {0f, 0f, -30f, -17.5f}, {0f, 0f, -30f, -17.5f}});
        assertArrayEquals(new int[] {0, 1, 3}, Sampler.inverseCdf(s, new double[] {0.25, 0.9999999, 1 - 5e-9}));
    }

    @Test
    void aRowWithNothingLeftToDrawIsRefused() {
        NDArray s = scores(new float[][] {{0f, 1f}, {NEG, NEG}});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Sampler.inverseCdf(s, new double[] {0.5, 0.5}));
        assertTrue(e.getMessage().contains("row 1 has no token left to draw"), e.getMessage());
    }

    /** A neighbouring seed must not replay the next prompt's stream (the corpus of generation k + 1 would repeat k's). */
    @Test
    void neighbouringSeedsAndPromptsGiveUnrelatedStreams() {
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            for (long prompt = 0; prompt < 20; prompt++) {
                for (int copy = 0; copy < 3; copy++) {
                    seen.add(Sampler.streamSeed(seed, prompt, copy));
                }
            }
        }
        assertEquals(20 * 20 * 3, seen.size());
    }
}
