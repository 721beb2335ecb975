package io.collapse.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.TestDevice;
import io.collapse.config.BeamLengthRule;
import io.collapse.config.ConfigLoader;
import io.collapse.config.GenerationConfig;
import io.collapse.config.LmConfig;
import io.collapse.config.OptConfig;
import io.collapse.config.SpecialTokens;
import io.collapse.config.Strategy;
import io.collapse.model.CausalLM;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.Safetensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every {@code generate} record of both HF fixture cases (transformers 4.35, float32, KV cache):
 * exact ids, sequences_scores within 1e-4, greedy's processed score of each emitted token within
 * 1e-4, the number of steps; and the same ids and scores again without the KV cache.
 */
public class HfGenerateParityTest {

    private static final Path FIXTURES = Path.of("src/test/resources/hf-opt");
    @AutoClose private static final NDManager manager = TestDevice.manager();

    @TestFactory
    Stream<DynamicTest> caseA() throws Exception {
        return cases("case-a-preln", true);
    }

    @TestFactory
    Stream<DynamicTest> caseB() throws Exception {
        // Real vocabulary: without the cache only one beam record, to keep the suite quick.
        return cases("case-b-postln-proj", false);
    }

    private Stream<DynamicTest> cases(String name, boolean everyRecordWithoutCache) throws Exception {
        Path dir = FIXTURES.resolve(name);
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        OptConfig config = (OptConfig) LmConfig.read(dir.resolve("config.json"));
        CausalLM model = AutoModelForCausalLM.fromStateDict(config, Safetensors.read(dir.resolve("model.safetensors")),
                manager, DataType.FLOAT32);
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode record : expected.get("generate")) {
            String label = name + " " + record.get("name").asText();
            tests.add(DynamicTest.dynamicTest(label, () -> check(model, expected, record, true, manager)));
            if (everyRecordWithoutCache || record.get("name").asText().equals("beam5_rp3_min16_padded")) {
                tests.add(DynamicTest.dynamicTest(label + " no-cache", () -> check(model, expected, record, false, manager)));
            }
        }
        return tests.stream();
    }

    /**
     * The beam search of the transformers version that wrote {@code expected}: 4.35's for the OPT
     * fixtures, which name none; 4.36's from 4.36 to 4.48; 5.x's vectorized one from 5.0 on.
     */
    public static BeamLengthRule beamLengthRule(JsonNode expected) {
        String[] version = expected.path("environment").path("transformers_version").asText("4.35.0").split("\\.");
        int major = Integer.parseInt(version[0]);
        int minor = Integer.parseInt(version[1]);
        return major >= 5 ? BeamLengthRule.HF_5 : major == 4 && minor >= 36 ? BeamLengthRule.HF_4_36 : BeamLengthRule.HF_4_35;
    }

    /**
     * With min = max new tokens every hypothesis has 16 new tokens and an 80-token row, so the 4.36
     * rule (new tokens only) picks the same sequences with scores 80/16 = 5 times the 4.35 ones.
     */
    @org.junit.jupiter.api.Test
    void newTokenLengthRuleKeepsThePapersWinners() throws Exception {
        Path dir = FIXTURES.resolve("case-a-preln");
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        CausalLM model = AutoModelForCausalLM.fromStateDict((OptConfig) LmConfig.read(dir.resolve("config.json")),
                Safetensors.read(dir.resolve("model.safetensors")), manager, DataType.FLOAT32);
        JsonNode record = null;
        for (JsonNode r : expected.get("generate")) {
            record = r.get("name").asText().equals("beam5_rp3_min16_nrs5") ? r : record;
        }
        GenerationConfig hf435 = configOf(record.get("kwargs"), true, null);
        GenerationConfig hf436 = GenerationConfig.of(ConfigLoader.fields("strategy", hf435.strategy(),
                "num_beams", hf435.numBeams(), "num_return_sequences", hf435.numReturnSequences(),
                "min_new_tokens", hf435.minNewTokens(), "max_new_tokens", hf435.maxNewTokens(),
                "repetition_penalty", hf435.repetitionPenalty(), "beam_length_rule", BeamLengthRule.HF_4_36,
                "use_cache", true));
        int[][] ids = ints(expected.get("inputs").get("batch").get("input_ids"));
        GenerateResult out;
        try (NDManager scope = manager.newSubManager()) {
            out = new Generator(model, hf436).generate(ids, null, 0, scope);
        }
        int[][] sequences = ints(record.get("sequences"));
        for (int r = 0; r < sequences.length; r++) {
            // Token-exact on every device. A GPU sums in another order (~1e-6 relative in fp32); a record
            // whose two best candidates were closer than that could flip there: none is known yet.
            assertArrayEquals(sequences[r], out.sequences()[r], "sequence " + r);
            assertEquals(5 * record.get("sequences_scores").get(r).asDouble(), out.sequencesScores()[r], 5e-4);
        }
    }

    static GenerationConfig configOf(JsonNode kwargs, boolean useCache, BeamLengthRule beamLengthRule) {
        int beams = kwargs.path("num_beams").asInt(1);
        return GenerationConfig.of(ConfigLoader.fields("strategy", beams > 1 ? Strategy.BEAM : Strategy.GREEDY,
                "num_beams", beams, "num_return_sequences", kwargs.path("num_return_sequences").asInt(1),
                "min_new_tokens", kwargs.path("min_new_tokens").asInt(0),
                "max_new_tokens", kwargs.get("max_new_tokens").asInt(),
                "repetition_penalty", kwargs.path("repetition_penalty").asDouble(1.0), "beam_length_rule", beamLengthRule,
                "use_cache", useCache));
    }

    /**
     * One {@code generate} record of any fixture: exact ids, the steps run, sequences_scores and the
     * chosen tokens' processed scores within 1e-4; with or without the KV cache.
     */
    public static void check(CausalLM model, JsonNode expected, JsonNode record, boolean useCache, NDManager manager) {
        JsonNode kwargs = record.get("kwargs");
        GenerationConfig cfg = configOf(kwargs, useCache, beamLengthRule(expected));
        // A fixture that passed pad_token_id to generate (a model without a pad token) fills finished rows with it.
        SpecialTokens tokens = kwargs.has("pad_token_id")
                ? new SpecialTokens(model.config().eosTokenIds(), kwargs.get("pad_token_id").asInt())
                : SpecialTokens.of(model.config());
        check(new Generator(model, cfg, tokens), expected, record, manager);
    }

    /** As above, decoding with {@code generator} (its model, settings and special ids). */
    static void check(Generator generator, JsonNode expected, JsonNode record, NDManager manager) {
        JsonNode input = expected.get("inputs").get(record.get("prompt").asText());
        int[][] ids = ints(input.get("input_ids"));
        int[][] mask = record.get("attention_mask_passed").asBoolean() ? ints(input.get("attention_mask")) : null;
        GenerateResult out;
        try (NDManager scope = manager.newSubManager()) {
            out = generator.generate(ids, mask, 0, scope);
        }
        int[][] sequences = ints(record.get("sequences"));
        assertEquals(sequences.length, out.sequences().length, "rows");
        for (int r = 0; r < sequences.length; r++) {
            assertArrayEquals(sequences[r], out.sequences()[r], "sequence " + r);
        }
        assertEquals(record.get("num_steps_run").asInt(), out.steps(), "steps run");
        if (record.has("sequences_scores")) {
            JsonNode scores = record.get("sequences_scores");
            for (int r = 0; r < scores.size(); r++) {
                assertEquals(scores.get(r).asDouble(), out.sequencesScores()[r], 1e-4, "sequences_scores " + r);
            }
        }
        // 5.17's beam records list each returned hypothesis' token scores too; our beam search keeps
        // only their length-normalised sum, sequences_scores, checked above.
        boolean beam = record.get("kwargs").path("num_beams").asInt(1) > 1;
        if (record.has("chosen_token_processed_score") && !beam) {
            JsonNode chosen = record.get("chosen_token_processed_score");
            int promptLength = ids[0].length;
            int compared = 0;
            for (int r = 0; r < chosen.size(); r++) {
                for (int t = 0; t < chosen.get(r).size(); t++) {
                    // After a row's EOS HF reports the pad column of a row we no longer compute.
                    boolean ended = t > 0 && generator.eosIds().contains(sequences[r][promptLength + t - 1]);
                    if (ended || Float.isNaN(out.chosenScores()[r][t])) {
                        assertTrue(ended, "row " + r + " step " + t + " not computed but not ended");
                        break;
                    }
                    assertEquals(chosen.get(r).get(t).asDouble(), out.chosenScores()[r][t], 1e-4,
                            "chosen score row " + r + " step " + t);
                    compared++;
                }
            }
            assertTrue(compared > 0);
        }
    }

    static int[][] ints(JsonNode rows) {
        int[][] out = new int[rows.size()][];
        for (int r = 0; r < rows.size(); r++) {
            out[r] = new int[rows.get(r).size()];
            for (int t = 0; t < out[r].length; t++) {
                out[r][t] = rows.get(r).get(t).asInt();
            }
        }
        return out;
    }
}
