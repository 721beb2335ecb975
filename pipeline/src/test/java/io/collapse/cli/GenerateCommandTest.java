package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.management.OperatingSystemMXBean;
import io.collapse.config.Presets;
import io.collapse.model.CausalLM;
import io.collapse.model.MemoryBudget;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import io.collapse.nativelib.JniRecord;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GenerateCommandTest {

    static final Path CASE_A = Path.of("src/test/resources/hf-opt/case-a-preln");
    static final Path CASE_B = Path.of("src/test/resources/hf-opt/case-b-postln-proj");

    @TempDir Path tmp;

    @Test
    void promptIdsWithThePaperSettingsGiveHfsBeams() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode expected = json.readTree(CASE_A.resolve("expected.json").toFile());
        Path ids = tmp.resolve("ids.json");
        Files.writeString(ids, expected.get("inputs").get("batch").get("input_ids").toString());
        Cli.Result run = Cli.run("generate", "--model", CASE_A.toString(), "--prompt-ids", ids.toString(),
                "--strategy", "beam", "--num-beams", "5", "--min-new-tokens", "16", "--max-new-tokens", "16",
                "--repetition-penalty", "3.0", "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode doc = json.readTree(run.out());
        assertEquals(System.getProperty("collapse.attention", "eager"), doc.path("attention").asText(), "the attention it ran");
        JsonNode record = null;
        for (JsonNode r : expected.get("generate")) {
            if (r.get("name").asText().equals("beam5_rp3_min16")) {
                record = r;
            }
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(record.get("new_tokens").get(i), doc.get("sequences").get(i).get("new_tokens"));
        }
        assertEquals("beam", doc.get("generation").get("strategy").asText());
    }

    /**
     * A list of eos ids, in config.json (Llama 3.1/3.2 instruct) or in generation_config.json, which
     * transformers' generate reads first (Llama 3.0 instruct, Qwen2.5 instruct): each row stops at
     * whichever eos comes first, as transformers' greedy did (hf-families/llama/eos-list.json), and
     * is printed without it; `info` names the ids.
     */
    @ParameterizedTest
    @ValueSource(strings = {"config.json", "generation_config.json"})
    void severalEosIdsEndEachRowAtTheFirstOfThem(String listedIn) throws Exception {
        Path fixture = Path.of("src/test/resources/hf-families/llama");
        JsonNode expected = CliSupport.JSON.readTree(fixture.resolve("eos-list.json").toFile());
        JsonNode greedy = expected.get("generate").get(0);
        assertEquals("greedy", greedy.get("name").asText());
        Path model = tmp.resolve("model");
        Files.createDirectory(model);
        try (var files = Files.list(fixture)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("model")).toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        JsonNode eos = greedy.get("kwargs").get("eos_token_id");
        ObjectNode config = (ObjectNode) CliSupport.JSON.readTree(fixture.resolve("config.json").toFile());
        if (listedIn.equals("config.json")) {
            config.set("eos_token_id", eos);
        } else {
            Files.writeString(model.resolve(listedIn), CliSupport.JSON.createObjectNode().set("eos_token_id", eos).toString());
        }
        Files.writeString(model.resolve("config.json"), config.toString());
        Cli.Result info = Cli.run("info", "--model", model.toString(), "--json");
        assertEquals(eos, CliSupport.JSON.readTree(info.out()).get("eos_token_ids"), info.out());
        Path ids = Files.writeString(tmp.resolve("ids.json"), expected.get("inputs").get("batch").get("input_ids").toString());
        Cli.Result run = Cli.run("generate", "--model", model.toString(), "--prompt-ids", ids.toString(),
                "--strategy", "greedy", "--max-new-tokens", "16", "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode rows = CliSupport.JSON.readTree(run.out()).get("sequences");
        List<Integer> eosIds = CliSupport.JSON.convertValue(eos, new TypeReference<List<Integer>>() {});
        for (int r = 0; r < 3; r++) {
            // HF's row, up to (not including) its first token that is any of the eos ids.
            List<Integer> hf = CliSupport.JSON.convertValue(greedy.get("new_tokens").get(r), new TypeReference<List<Integer>>() {});
            List<Integer> upToEos = hf.stream().takeWhile(t -> !eosIds.contains(t)).toList();
            assertTrue(upToEos.size() < hf.size(), "HF's row " + r + " ends at an eos: " + hf);
            assertEquals(upToEos.toString().replace(" ", ""), rows.get(r).get("new_tokens").toString(), "row " + r);
        }
    }

    @Test
    void textPromptPrintsPromptAndContinuation() {
        Cli.Result run = Cli.run("generate", "--model", CASE_B.toString(), "--prompt", "The tower is",
                "--prompt", "Hello", "--strategy", "greedy", "--max-new-tokens", "4");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("--- prompt 0, sequence 0\nprompt: The tower is\noutput: "), run.out());
        assertTrue(run.out().contains("--- prompt 1, sequence 0\nprompt: Hello\noutput: "), run.out());
    }

    @Test
    void badSettingsAndIdsAreNamed() throws Exception {
        Cli.Result run = Cli.run("generate", "--model", CASE_A.toString(), "--prompt", "x", "--strategy", "beam",
                "--num-beams", "2", "--num-return-sequences", "3");
        assertEquals(1, run.code());
        assertTrue(run.err().contains("num_return_sequences"), run.err());
        // The tokenizer's ids exceed case a's vocabulary of 1000.
        run = Cli.run("generate", "--model", CASE_A.toString(), "--prompt", "The tower is", "--strategy", "greedy");
        assertEquals(1, run.code());
        assertTrue(run.err().contains("vocab_size=1000"), run.err());
        Path ids = tmp.resolve("bad.json");
        Files.writeString(ids, "[[5, \"x\"]]");
        run = Cli.run("generate", "--model", CASE_A.toString(), "--prompt-ids", ids.toString());
        assertEquals(1, run.code());
        // generate and score read ids through one TokenIdsFile, in score's words ("element", where generate said "position").
        assertTrue(run.err().contains("bad.json: sequence 0, element 1 is \"x\""), run.err());
        // The model comes through ModelOptions, as for score and eval.
        run = Cli.run("generate", "--model", CASE_B.toString(), "--prompt", "x", "--dtype", "int8");
        assertEquals(1, run.code());
        assertTrue(run.err().contains("--dtype: expected float32, float16 or bfloat16, got 'int8'"), run.err());
        if (!JniRecord.bfloat16()) { // the option is named, not the float32 file the model came from
            run = Cli.run("generate", "--model", CASE_B.toString(), "--prompt", "x", "--dtype", "bfloat16");
            assertEquals(1, run.code());
            assertTrue(run.err().startsWith("error: --dtype bfloat16 needs the JNI that `collapse native build` makes"), run.err());
        }
    }

    /** Issue 15: the kernel killed the JVM at 21.9 GB; now one line at start, with the estimate and the limit. */
    /** Past the model's positions no memory would help: that is what the line says, not a memory need. */
    @Test
    void aLengthPastThePositionsIsRefusedAsSuchBeforeMemory() {
        Cli.Result run = Cli.run("generate", "--model", CASE_B.toString(), "--prompt", "The tower is",
                "--max-new-tokens", "1000000000", "--device", "cpu");
        assertEquals(1, run.code());
        assertTrue(run.err().strip().matches("error: generate: prompt width [0-9]+ \\+ max_new_tokens 1000000000 exceeds"
                + " max_position_embeddings [0-9]+"), run.err());
    }

    @Test
    void beamsThatCannotFitAreRefusedAtStart() throws Exception {
        Path tiny = tmp.resolve("tiny");
        try (NDManager manager = NDManager.newBaseManager()) {
            CausalLM model = AutoModelForCausalLM.random(Presets.get("tiny"), 0, manager, DataType.FLOAT32);
            HfModelDir.write(tiny, model.config(), model.stateDict(), HostTensor.DType.F32, null);
        }
        // The issue's 100000 beams where they cannot fit (over 47 GB, logits 40.2 GB of it), and 10^7 anywhere.
        long total = ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
        long need = MemoryBudget.decode(Presets.get("tiny"), 100_000, 64, 4).bytes();
        List<String> cases = total < need ? List.of("100000", "10000000") : List.of("10000000");
        for (String beams : cases) {
            long start = System.nanoTime();
            Cli.Result run = Cli.run("generate", "--model", tiny.toString(), "--prompt", "The tower is",
                    "--num-beams", beams, "--device", "cpu");
            assertEquals(1, run.code(), run.err());
            assertTrue(run.err().matches("error: generate: --num-beams " + beams + " with 1 prompt needs about [0-9.]+ GB"
                    + " for logits and cache; this machine has [0-9.]+ GB of memory \\(lower --num-beams, the number"
                    + " of prompts or --max-new-tokens\\)\\R"), run.err());
            assertTrue(System.nanoTime() - start < 30e9, "refused at start, not after decoding");
        }
    }
}
