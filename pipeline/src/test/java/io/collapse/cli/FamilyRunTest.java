package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every family runs the whole experiment as OPT does: the smoke config with a tiny preset of the
 * family (fine-tuning, evaluation, corpus writing, scoring by model 0, the second generation, the
 * report), then status, export and generate on the last generation's model.
 */
class FamilyRunTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"tiny-gpt2, gpt2", "tiny-llama, llama", "tiny-pythia, gpt_neox"})
    void theSmokeExperimentRunsForEveryFamily(String preset, String modelType) throws Exception {
        Path run = tmp.resolve(preset);
        Cli.Result r = Cli.run("run", "smoke", "--run-dir", run.toString(), "--no-progress",
                "--set", "model.base=preset:" + preset);
        assertEquals(0, r.code(), r.err());
        for (String gen : new String[] {"gen-00", "gen-01"}) {
            JsonNode eval = JSON.readTree(run.resolve(gen).resolve("eval.json").toFile());
            double ppl = eval.path("test").path("corpus_ppl").asDouble();
            assertTrue(ppl > 1 && Double.isFinite(ppl), gen + " test ppl " + ppl);
            assertEquals(64, eval.path("corpus").path("sha256").asText().length(), gen);
            assertEquals(48 * 4, Files.size(run.resolve(gen).resolve("corpus-ppl.f32")), gen);
        }
        JsonNode config = JSON.readTree(run.resolve("gen-01/model/config.json").toFile());
        assertEquals(modelType, config.path("model_type").asText());
        assertTrue(Files.isRegularFile(run.resolve("report/index.html")));

        Cli.Result status = Cli.run("status", run.toString(), "--json");
        assertEquals(0, status.code(), status.err());
        assertTrue(JSON.readTree(status.out()).path("finished").asBoolean());

        Path exported = tmp.resolve(preset + "-export");
        Cli.Result export = Cli.run("export", "--model", run.resolve("gen-01/model").toString(), "--out", exported.toString());
        assertEquals(0, export.code(), export.err());
        assertEquals(modelType, JSON.readTree(exported.resolve("config.json").toFile()).path("model_type").asText());

        Cli.Result gen = Cli.run("generate", "--model", exported.toString(), "--prompt", "The tower is",
                "--strategy", "beam", "--num-beams", "2", "--max-new-tokens", "4");
        assertEquals(0, gen.code(), gen.err());
        assertTrue(gen.out().contains("prompt: The tower is\noutput: "), gen.out());
    }
}
