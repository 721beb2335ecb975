package io.collapse.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.LiveArrays;
import io.collapse.TestDevice;
import io.collapse.config.ConfigLoader;
import io.collapse.config.GenerationConfig;
import io.collapse.config.LmConfig;
import io.collapse.config.OptConfig;
import io.collapse.config.Strategy;
import io.collapse.model.CausalLM;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.Safetensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seeded sampling on the case-a fixture model: reproducible, independent of batching, consistent
 * with greedy; and decoding frees what it allocates.
 */
class SamplingTest {

    private static final Path CASE = Path.of("src/test/resources/hf-opt/case-a-preln");
    @AutoClose private static final NDManager manager = TestDevice.manager();
    private static CausalLM model;
    private static int[][] prompts;
    private static int[][] mask;

    @BeforeAll
    static void load() throws Exception {
        model = AutoModelForCausalLM.fromStateDict((OptConfig) LmConfig.read(CASE.resolve("config.json")),
                Safetensors.read(CASE.resolve("model.safetensors")), manager, DataType.FLOAT32);
        JsonNode padded = new ObjectMapper().readTree(CASE.resolve("expected.json").toFile()).get("inputs").get("padded");
        prompts = HfGenerateParityTest.ints(padded.get("input_ids"));
        mask = HfGenerateParityTest.ints(padded.get("attention_mask"));
    }

    private static GenerationConfig sample(long seed, int returns, double temperature, int topK, double topP,
            boolean cache) {
        return GenerationConfig.of(ConfigLoader.fields("strategy", Strategy.SAMPLE, "num_beams", 1,
                "num_return_sequences", returns, "min_new_tokens", 0, "max_new_tokens", 12, "repetition_penalty", 1.5,
                "temperature", temperature, "top_k", topK, "top_p", topP, "seed", seed, "use_cache", cache));
    }

    private static int[][] run(GenerationConfig cfg, int[][] ids, int[][] m, long first) {
        try (NDManager scope = manager.newSubManager()) {
            return new Generator(model, cfg).generate(ids, m, first, scope).sequences();
        }
    }

    @Test
    void sameSeedSameOutputOtherSeedOtherOutput() {
        GenerationConfig cfg = sample(11, 2, 1.3, 0, 0.95, true);
        int[][] a = run(cfg, prompts, mask, 0);
        assertTrue(Arrays.deepEquals(a, run(cfg, prompts, mask, 0)));
        assertFalse(Arrays.deepEquals(a, run(sample(12, 2, 1.3, 0, 0.95, true), prompts, mask, 0)));
        // The two samples of a prompt come from different streams.
        assertFalse(Arrays.equals(a[0], a[1]));
    }

    @Test
    void eachPromptGetsTheSameSamplesAloneAsInABatch() {
        GenerationConfig cfg = sample(5, 2, 1.3, 40, 0.9, true);
        int[][] batch = run(cfg, prompts, mask, 100);
        for (int b = 0; b < prompts.length; b++) {
            int[][] alone = run(cfg, new int[][] {prompts[b]}, new int[][] {mask[b]}, 100 + b);
            for (int k = 0; k < 2; k++) {
                int[] expected = Arrays.copyOf(batch[2 * b + k], alone[k].length);
                // A batch is as wide as its longest row; the row alone may stop earlier (then only pads follow).
                assertArrayEquals(expected, alone[k], "prompt " + b + " sample " + k);
                for (int t = alone[k].length; t < batch[2 * b + k].length; t++) {
                    assertEquals(model.config().padTokenId(), batch[2 * b + k][t]);
                }
            }
        }
    }

    @Test
    void cacheAndNoCacheDrawTheSameTokens() {
        assertTrue(Arrays.deepEquals(run(sample(3, 1, 0.8, 0, 1.0, true), prompts, mask, 0),
                run(sample(3, 1, 0.8, 0, 1.0, false), prompts, mask, 0)));
    }

    @Test
    void topKOneIsGreedy() {
        GenerationConfig greedy = GenerationConfig.of(ConfigLoader.fields("strategy", Strategy.GREEDY, "num_beams", 1,
                "num_return_sequences", 1, "min_new_tokens", 0, "max_new_tokens", 12, "repetition_penalty", 1.5,
                "use_cache", true));
        assertTrue(Arrays.deepEquals(run(greedy, prompts, mask, 0), run(sample(99, 1, 1.0, 1, 1.0, true), prompts, mask, 0)));
    }

    /**
     * The decoder's scope (the KV cache) lives across steps under the caller's manager: counted at
     * the same point of every step after the prompt's, the arrays alive there stay as many.
     */
    @Test
    void samplingStepsLeaveTheArrayCountAsTheyFoundIt() {
        GenerationConfig cfg = GenerationConfig.of(ConfigLoader.fields("strategy", Strategy.SAMPLE, "num_beams", 1,
                "num_return_sequences", 2, "min_new_tokens", 8, "max_new_tokens", 8, "repetition_penalty", 1.5,
                "temperature", 1.0, "top_k", 50, "top_p", 1.0, "seed", 1L, "use_cache", true));
        try (NDManager caller = manager.newSubManager()) {
            LiveArrays live = new LiveArrays(caller);
            List<LogitsProcessor> processors = countingProcessors(cfg, live);
            try (DecodeState state = new DecodeState(model, prompts, mask, 2, true, caller)) {
                Sampling.run(state, processors, Sampler.multinomial(1, 0, 2, state.rows()), 8, pad(), eos());
            }
            live.assertSteady(1, 7); // step 0 runs the prompt
        }
    }

    /** As above for beam search, whose every step also reorders the cache to the chosen beams. */
    @Test
    void beamStepsLeaveTheArrayCountAsTheyFoundIt() {
        GenerationConfig cfg = GenerationConfig.paper(8);
        try (NDManager caller = manager.newSubManager()) {
            LiveArrays live = new LiveArrays(caller);
            List<LogitsProcessor> processors = countingProcessors(cfg, live);
            try (DecodeState state = new DecodeState(model, prompts, mask, cfg.numBeams(), true, caller)) {
                BeamSearch.run(state, processors, cfg, pad(), eos());
            }
            live.assertSteady(1, 7);
        }
    }

    private static int pad() {
        return model.config().padTokenId();
    }

    private static List<Integer> eos() {
        return model.config().eosTokenIds();
    }

    /** {@code cfg}'s processors, then one that counts the live arrays at the same point of every step. */
    private static List<LogitsProcessor> countingProcessors(GenerationConfig cfg, LiveArrays live) {
        List<LogitsProcessor> processors = new ArrayList<>(LogitsProcessor.processors(cfg, prompts[0].length, eos()));
        processors.add((scores, ids) -> {
            live.sample();
            return scores;
        });
        return processors;
    }

    @Test
    void generateLeavesNoArraysBehind() {
        int before = manager.getManagedArrays().size();
        try (NDManager scope = manager.newSubManager()) {
            new Generator(model, sample(1, 2, 1.0, 50, 1.0, true)).generate(prompts, mask, 0, scope);
            new Generator(model, GenerationConfig.paper(6)).generate(prompts, null, 0, scope);
            assertTrue(scope.getManagedArrays().isEmpty(), scope.getManagedArrays().size() + " arrays left");
        }
        assertEquals(before, manager.getManagedArrays().size());
    }
}
