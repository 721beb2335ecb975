package io.collapse.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.TestDevice;
import io.collapse.config.BeamLengthRule;
import io.collapse.config.ConfigLoader;
import io.collapse.config.GenerationConfig;
import io.collapse.config.LmConfig;
import io.collapse.config.SpecialTokens;
import io.collapse.model.CausalLM;
import io.collapse.model.HfFixture;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HfModelDir;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose config.json lists several eos ids (Llama 3.1/3.2 instruct's {@code [128001, 128008,
 * 128009]}) against transformers 5.17's generate: the llama fixture's model with the eos ids of
 * each record ({@code hf-families/llama/eos-list.json}, made by
 * {@code bench/fixtures/make_eos_list_fixture.py}). Rows and hypotheses end at any of them,
 * min_new_tokens holds all of them back, finished rows are filled with eos[0] where no pad id is
 * given, a hypothesis keeps the eos it ended with, and with six eos among the first step's ten best
 * candidates beam search still finds five beams to continue (it keeps max(2, 1 + E)·N candidates).
 */
class SeveralEosParityTest {

    @AutoClose private static final NDManager manager = TestDevice.manager();
    @TempDir Path dir;

    @TestFactory
    Stream<DynamicTest> everyRecordAsTransformersWithAndWithoutTheCache() throws IOException {
        HfFixture fx = HfFixture.family("llama");
        JsonNode expected = ConfigLoader.JSON.readTree(fx.dir().resolve("eos-list.json").toFile());
        Map<JsonNode, CausalLM> models = new HashMap<>();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode record : expected.get("generate")) {
            JsonNode eos = record.get("kwargs").get("eos_token_id");
            CausalLM model = models.computeIfAbsent(eos, ids -> modelWithEos(fx, ids));
            String name = record.get("name").asText();
            tests.add(DynamicTest.dynamicTest(name, () -> HfGenerateParityTest.check(model, expected, record, true, manager)));
            tests.add(DynamicTest.dynamicTest(name + " no-cache",
                    () -> HfGenerateParityTest.check(model, expected, record, false, manager)));
        }
        return tests.stream();
    }

    /**
     * A model directory's generation_config.json decides, as transformers' {@code from_pretrained}
     * and {@code generate} take it, over config.json's eos 2: its eos list; no eos_token_id in it,
     * so no eos at all (rows run to max_new_tokens); its eos list and pad id 7, which fills.
     */
    @TestFactory
    Stream<DynamicTest> aGenerationConfigJsonDecidesTheEosAndPadIds() throws IOException {
        HfFixture fx = HfFixture.family("llama");
        JsonNode expected = ConfigLoader.JSON.readTree(fx.dir().resolve("eos-list.json").toFile());
        CausalLM model = AutoModelForCausalLM.fromStateDict(fx.config(), fx.weights(), manager, DataType.FLOAT32);
        assertEquals(List.of(2), model.config().eosTokenIds());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode record : expected.get("generation_config")) {
            String name = record.get("name").asText();
            Path modelDir = Files.createDirectories(dir.resolve(name));
            Files.writeString(modelDir.resolve(HfModelDir.GENERATION_CONFIG), record.get("generation_config").toString());
            SpecialTokens tokens = HfModelDir.specialTokens(modelDir, model.config());
            GenerationConfig cfg = HfGenerateParityTest.configOf(record.get("kwargs"), true, BeamLengthRule.HF_5);
            tests.add(DynamicTest.dynamicTest(name, () -> HfGenerateParityTest.check(new Generator(model, cfg, tokens), expected,
                    record, manager)));
        }
        return tests.stream();
    }

    /**
     * 4.35–4.48's beam search (no 4.x answers here: its finalize, read) writes the first eos id after
     * every finished hypothesis, where 5.x keeps the one it ended with.
     */
    @Test
    void fourXBeamSearchFollowsEveryHypothesisWithTheFirstEos() throws IOException {
        HfFixture fx = HfFixture.family("llama");
        JsonNode expected = ConfigLoader.JSON.readTree(fx.dir().resolve("eos-list.json").toFile());
        JsonNode beam5 = expected.get("generate").get(3);
        assertEquals("beam5", beam5.get("name").asText());
        CausalLM model = modelWithEos(fx, beam5.get("kwargs").get("eos_token_id"));
        int[][] ids = HfGenerateParityTest.ints(expected.get("inputs").get("batch").get("input_ids"));
        for (BeamLengthRule rule : BeamLengthRule.values()) {
            GenerateResult out;
            try (NDManager scope = manager.newSubManager()) {
                out = new Generator(model, HfGenerateParityTest.configOf(beam5.get("kwargs"), true, rule))
                        .generate(ids, null, 0, scope);
            }
            Set<Integer> ending = new TreeSet<>();
            for (int r = 0; r < ids.length; r++) {
                Arrays.stream(out.newTokens(r)).filter(model.config().eosTokenIds()::contains).findFirst().ifPresent(ending::add);
            }
            assertEquals(rule.vectorized() ? Set.of(2) : Set.of(21), ending, rule + ": the eos after each hypothesis");
        }
    }

    /** HF infers a mask from the pad id only when that id is no eos: with several, none of them. */
    @Test
    void aPadIdAmongTheEosIdsMasksNothing() throws IOException {
        HfFixture fx = HfFixture.family("llama");
        CausalLM model = modelWithEos(fx, ConfigLoader.JSON.readTree("[21, 2, 109]"));
        GenerationConfig greedy = GenerationConfig.paper(4);
        int[][] ids = {{2, 2, 5, 6}, {0, 0, 7, 8}};
        List<Integer> eos = model.config().eosTokenIds();
        assertEquals("[[1, 1, 1, 1], [1, 1, 1, 1]]",
                Arrays.deepToString(new Generator(model, greedy, new SpecialTokens(eos, 2)).defaultMask(ids)));
        assertEquals("[[1, 1, 1, 1], [0, 0, 1, 1]]",
                Arrays.deepToString(new Generator(model, greedy, new SpecialTokens(eos, 0)).defaultMask(ids)));
    }

    /** The fixture's model, read from a config.json whose eos_token_id is {@code eos} (a JSON array). */
    private CausalLM modelWithEos(HfFixture fx, JsonNode eos) {
        try {
            ObjectNode json = (ObjectNode) ConfigLoader.JSON.readTree(fx.dir().resolve("config.json").toFile());
            json.set("eos_token_id", eos);
            Path file = Files.writeString(dir.resolve("config-" + eos.size() + ".json"), json.toString());
            LmConfig config = LmConfig.read(file);
            assertEquals(ConfigLoader.JSON.convertValue(eos, List.class), config.eosTokenIds());
            return AutoModelForCausalLM.fromStateDict(config, fx.weights(), manager, DataType.FLOAT32);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
