package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** collapse score against transformers' numbers for fixture case a, and its input errors. */
class ScoreCommandTest {

    static final Path CASE_A = Path.of("src/test/resources/hf-opt/case-a-preln");
    static final double TOL = 1e-5;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    private JsonNode expected() throws Exception {
        return JSON.readTree(CASE_A.resolve("expected.json").toFile());
    }

    private Path write(String name, String text) throws Exception {
        Path file = tmp.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    /** Each padded row's real tokens: the ids where the attention mask is 1. */
    private static ArrayNode realTokens(JsonNode padded) {
        ArrayNode rows = JSON.createArrayNode();
        for (int r = 0; r < padded.get("input_ids").size(); r++) {
            ArrayNode row = rows.addArray();
            for (int t = 0; t < padded.get("input_ids").get(r).size(); t++) {
                if (padded.get("attention_mask").get(r).get(t).asInt() == 1) {
                    row.add(padded.get("input_ids").get(r).get(t).asInt());
                }
            }
        }
        return rows;
    }

    private static void assertRel(double expected, double actual, String what) {
        assertEquals(expected, actual, TOL * Math.abs(expected), what);
    }

    @Test
    void batchRowsGiveTransformersNllAndBothPerplexities() throws Exception {
        JsonNode expected = expected();
        JsonNode forward = expected.get("forward").get("batch");
        Path tokens = write("batch.json", expected.get("inputs").get("batch").get("input_ids").toString());
        // pytorch_model.bin is read when safetensors is absent: score the same weights from both formats.
        Path binOnly = tmp.resolve("bin-only");
        Files.createDirectories(binOnly);
        Files.copy(CASE_A.resolve("config.json"), binOnly.resolve("config.json"));
        Files.copy(CASE_A.resolve("pytorch_model.bin"), binOnly.resolve("pytorch_model.bin"));
        for (Path model : new Path[] {CASE_A, binOnly}) {
            Cli.Result run = Cli.run("score", "--model", model.toString(), "--tokens", tokens.toString(),
                    "--batch-size", "2", "--json");
            assertEquals(0, run.code(), run.err());
            JsonNode doc = JSON.readTree(run.out());
            assertEquals(System.getProperty("collapse.attention", "eager"), doc.path("attention").asText(), "the attention it ran");
            assertEquals(3, doc.get("sequences").size());
            for (int i = 0; i < 3; i++) {
                JsonNode row = doc.get("sequences").get(i);
                assertEquals(64, row.get("tokens").asInt());
                assertRel(forward.get("per_sequence_mean_nll").get(i).asDouble(), row.get("mean_nll").asDouble(), "mean_nll " + i);
                assertRel(forward.get("per_sequence_ppl").get(i).asDouble(), row.get("ppl").asDouble(), "ppl " + i);
            }
            assertEquals(3 * 63, doc.get("targets").asLong());
            assertRel(forward.get("loss_hf").asDouble(), doc.get("mean_nll").asDouble(), "mean_nll");
            assertRel(forward.get("ppl_exp_of_mean_loss").asDouble(), doc.get("corpus_ppl").asDouble(), "corpus_ppl");
            assertRel(forward.get("ppl_mean_of_per_sequence_exp").asDouble(), doc.get("mean_sequence_ppl").asDouble(),
                    "mean_sequence_ppl");
        }
    }

    @Test
    void sequencesOfDifferentLengthsScoreAsIfAlone() throws Exception {
        JsonNode expected = expected();
        JsonNode forward = expected.get("forward").get("padded");
        ArrayNode rows = realTokens(expected.get("inputs").get("padded"));
        assertEquals(45, rows.get(1).size());
        Path tokens = write("real.json", rows.toString());
        // Batch 3: one batch left-padded to 64; batch 1: every sequence alone, no padding.
        for (String batch : new String[] {"3", "1"}) {
            Cli.Result run = Cli.run("score", "--model", CASE_A.toString(), "--tokens", tokens.toString(),
                    "--batch-size", batch, "--json");
            assertEquals(0, run.code(), run.err());
            JsonNode doc = JSON.readTree(run.out());
            for (int i = 0; i < 3; i++) {
                JsonNode row = doc.get("sequences").get(i);
                assertEquals(rows.get(i).size(), row.get("tokens").asInt());
                assertRel(forward.get("per_sequence_mean_nll").get(i).asDouble(), row.get("mean_nll").asDouble(),
                        "batch " + batch + " mean_nll " + i);
            }
            assertRel(forward.get("ppl_exp_of_mean_loss").asDouble(), doc.get("corpus_ppl").asDouble(), "corpus_ppl");
            assertRel(forward.get("ppl_mean_of_per_sequence_exp").asDouble(), doc.get("mean_sequence_ppl").asDouble(),
                    "mean_sequence_ppl");
        }
    }

    @Test
    void humanOutputNamesBothDefinitions() throws Exception {
        Path tokens = write("two.json", "[[2, 946, 262, 237], [2, 5]]");
        Cli.Result run = Cli.run("score", "--model", CASE_A.toString(), "--tokens", tokens.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("2 sequences, 4 scored tokens"), run.out());
        assertTrue(run.out().contains("corpus_ppl = exp(mean NLL)"), run.out());
        assertTrue(run.out().contains("mean_sequence_ppl = mean of per-sequence ppl"), run.out());
    }

    @Test
    void badInputNamesTheFileAndTheIndex() throws Exception {
        String[][] cases = {
            // file text, words the message must contain
            {"[[2, 5], [2, 6", "not valid JSON"},
            {"{\"ids\": [2, 5]}", "expected a non-empty JSON array of token-id arrays"},
            {"[]", "expected a non-empty JSON array of token-id arrays"},
            {"[[2, 5], 7]", "sequence 1 is 7, expected an array of token ids"},
            {"[[2, 5], [2, \"x\", 3]]", "sequence 1, element 1 is \"x\", expected an integer token id"},
            {"[[2, 5.5]]", "sequence 0, element 1 is 5.5, expected an integer token id"},
            {"[[2, 5], [2, 3], [2, 999, 1000]]", "sequence 2, element 2: token id 1000 is outside [0, 1000)"},
            {"[[2, -1]]", "sequence 0, element 1: token id -1 is outside [0, 1000)"},
            {"[[2, 5], [2]]", "sequence 1 has 1 tokens; expected 2..128"},
        };
        for (int c = 0; c < cases.length; c++) {
            Path tokens = write("bad" + c + ".json", cases[c][0]);
            Cli.Result run = Cli.run("score", "--model", CASE_A.toString(), "--tokens", tokens.toString());
            assertEquals(1, run.code(), cases[c][0]);
            assertTrue(run.err().contains(tokens.toString()), run.err());
            assertTrue(run.err().contains(cases[c][1]), cases[c][0] + " -> " + run.err());
        }
        Cli.Result run = Cli.run("score", "--model", CASE_A.toString(), "--tokens",
                tmp.resolve("absent.json").toString());
        assertEquals(1, run.code());
        assertTrue(run.err().contains("absent.json: no such file"), run.err());
    }

    @Test
    void badModelOptionsAreNamed() throws Exception {
        Path tokens = write("ok.json", "[[2, 5]]");
        Cli.Result run = Cli.run("score", "--model", CASE_A.toString(), "--tokens", tokens.toString(),
                "--dtype", "int8");
        assertEquals(1, run.code());
        assertTrue(run.err().contains("--dtype: expected float32, float16 or bfloat16, got 'int8'"), run.err());
        run = Cli.run("score", "--model", CASE_A.toString(), "--tokens", tokens.toString(), "--device", "tpu");
        assertEquals(1, run.code());
        assertTrue(run.err().contains("device.device must be one of cpu, gpu, gpu:N, auto; got 'tpu'"), run.err());
        run = Cli.run("score", "--model", CASE_A.toString(), "--tokens", tokens.toString(), "--device", "gpu:99999999999");
        assertEquals(1, run.code());
        assertTrue(run.err().contains("device.device must be one of cpu, gpu, gpu:N, auto; got 'gpu:99999999999'"), run.err());
        // A checkpoint that does not fit its config is rejected by the loader, naming the weights file.
        Path broken = tmp.resolve("broken");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("config.json"),
                Files.readString(CASE_A.resolve("config.json")).replace("\"ffn_dim\": 256", "\"ffn_dim\": 128"));
        Files.copy(CASE_A.resolve("model.safetensors"), broken.resolve("model.safetensors"));
        run = Cli.run("score", "--model", broken.toString(), "--tokens", tokens.toString());
        assertEquals(1, run.code());
        assertTrue(run.err().contains("model.safetensors"), run.err());
        assertTrue(run.err().contains("fc1.weight' has shape [256, 64] but the config expects (128, 64)"), run.err());
    }
}
