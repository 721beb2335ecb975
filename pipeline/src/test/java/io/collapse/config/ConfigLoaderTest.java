package io.collapse.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir Path dir;

    private static final Path REPO = Path.of(System.getProperty("collapse.repo", "."));

    private static RunConfig bundled(String name, List<String> overrides) throws IOException {
        return RunConfig.load(REPO.resolve("configs").resolve(name + ".json"), overrides);
    }

    /**
     * {@code with} copies through JSON: every bundled config's sections must come back equal (every
     * double, enum and absent field), the named field changed and a bad value refused by name.
     */
    @Test
    void withCopiesEveryFieldExactlyAndChecksTheChange() throws IOException {
        for (String name : RunConfig.BUNDLED) {
            RunConfig c = RunConfig.load(name, List.of());
            assertEquals(c.train(), ConfigLoader.with("train", c.train(), Map.of()), name);
            assertEquals(c.generation(), ConfigLoader.with("generation", c.generation(), Map.of()), name);
            assertEquals(c.experiment(), ConfigLoader.with("experiment", c.experiment(), Map.of()), name);
            RunConfig seeded = c.withSeed(c.experiment().seed() + 1);
            assertEquals(c.experiment().seed() + 1, seeded.experiment().seed(), name);
            assertEquals(c.train().withSeed(9).withSeed(c.train().seed()), c.train(), name);
            assertEquals(c.generation().withSeed(9).withSeed(c.generation().seed()), c.generation(), name);
        }
        TrainConfig t = ConfigLoader.with("train", TrainConfig.paper(5, 0),
                Map.of("mixed_precision", MixedPrecision.FP16, "loss_scale_init", 1024.0, "loss_scale_growth_interval", 7));
        assertEquals(List.of(MixedPrecision.FP16, 1024.0, 7, 5, 2e-5),
                List.of(t.mixedPrecision(), t.lossScaleInit(), t.lossScaleGrowthInterval(), t.epochs(), t.learningRate()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.with("train", t, Map.of("epochs", 0)));
        assertTrue(e.getMessage().contains("train.epochs"), e.getMessage());
    }

    @Test
    void everyShippedConfigLoadsAndStatesThePapersSettings() throws IOException {
        for (String name : List.of("demo-cpu", "smoke", "paper-5ep-no-data", "paper-10ep-10pct")) {
            RunConfig c = bundled(name, List.of());
            assertEquals(name, c.name());
            assertEquals(c.data().blockSize(), (int) c.generation().maxNewTokens());
        }
        RunConfig a = bundled("paper-5ep-no-data", List.of());
        RunConfig b = bundled("paper-10ep-10pct", List.of());
        assertEquals(5, a.train().epochs());
        assertEquals(10, b.train().epochs());
        assertEquals(0.0, a.experiment().keepFraction());
        assertEquals(0.1, b.experiment().keepFraction());
        for (RunConfig p : List.of(a, b)) {
            assertEquals(128, p.train().batchSize());
            assertEquals(2e-5, p.train().learningRate());
            assertEquals(Strategy.BEAM, p.generation().strategy());
            assertEquals(5, (int) p.generation().numBeams());
            assertEquals(64, (int) p.generation().minNewTokens());
            assertEquals(64, (int) p.generation().maxNewTokens());
            assertEquals(3.0, p.generation().repetitionPenalty());
            assertEquals(10, p.experiment().generations());
            assertEquals("facebook/opt-125m", p.model().base());
        }
    }

    /** One config per model family for the paper's regime (b): the paper's recipe with another base model. */
    @Test
    void everyFamilyConfigIsThePapersRecipeWithAnotherBase() throws IOException {
        RunConfig paper = bundled("paper-10ep-10pct", List.of());
        Map<String, String> bases = Map.of("gpt2-paper", "openai-community/gpt2", "smollm2-paper", "HuggingFaceTB/SmolLM2-135M",
                "qwen2.5-paper", "Qwen/Qwen2.5-0.5B", "pythia-paper", "EleutherAI/pythia-160m");
        for (Map.Entry<String, String> e : bases.entrySet()) {
            RunConfig c = bundled(e.getKey(), List.of());
            assertEquals(e.getValue(), c.model().base(), e.getKey());
            assertEquals(paper.train(), c.train(), e.getKey());
            assertEquals(paper.generation(), c.generation(), e.getKey());
            assertEquals(paper.experiment(), c.experiment(), e.getKey());
            assertEquals(paper.data(), c.data(), e.getKey());
        }
        // The pom bundles exactly RunConfig.BUNDLED (the launcher reads its list too); a config of the
        // user's beside them in configs/ is neither bundled nor a failure here.
        List<String> included = java.util.regex.Pattern.compile("<include>([^<]*)\\.json</include>")
                .matcher(Files.readString(REPO.resolve("pipeline/pom.xml"))).results().map(m -> m.group(1)).sorted().toList();
        assertEquals(RunConfig.BUNDLED, included, "pipeline/pom.xml's <include>s are RunConfig.BUNDLED");
        for (String name : RunConfig.BUNDLED) {
            assertTrue(Files.isRegularFile(REPO.resolve("configs/" + name + ".json")), name);
            assertTrue(RunConfig.class.getResource("/configs/" + name + ".json") != null, name + " is in the jar");
        }
        assertEquals(8, RunConfig.BUNDLED.size(), "a new config needs a test here");
    }

    @Test
    void setOverridesTypedValuesAndNestedPaths() throws IOException {
        RunConfig c = bundled("smoke", List.of("train.epochs=7", "experiment.keep_fraction=0.5",
                "experiment.data_mode=accumulate", "model.base=preset:opt-125m"));
        assertEquals(7, c.train().epochs());
        assertEquals(0.5, c.experiment().keepFraction());
        assertEquals(DataMode.ACCUMULATE, c.experiment().dataMode());
        assertEquals("preset:opt-125m", c.model().base());
    }

    @Test
    void anUnknownFieldIsNamedWithTheAllowedOnes() {
        IOException e = assertThrows(IOException.class, () -> bundled("smoke", List.of("train.epoch=3")));
        assertTrue(e.getMessage().contains("unknown field 'train.epoch'") && e.getMessage().contains("epochs"), e.getMessage());
    }

    @Test
    void enumFieldsReadAndWriteTheirConfigNamesAndRefuseOthersAsBefore() throws Exception {
        RunConfig c = bundled("smoke", List.of("train.schedule=warmup-cosine", "train.mixed_precision=off",
                "experiment.start_from=previous", "generation.strategy=sample", "generation.num_beams=1"));
        assertEquals(Schedule.WARMUP_COSINE, c.train().schedule());
        assertEquals(StartFrom.PREVIOUS, c.experiment().startFrom());
        String json = ConfigLoader.JSON.writeValueAsString(c);
        assertTrue(json.contains("\"schedule\" : \"warmup-cosine\"") && json.contains("\"mixed_precision\" : \"off\"")
                && json.contains("\"start_from\" : \"previous\"") && json.contains("\"data_mode\" : \"replace\"")
                && json.contains("\"strategy\" : \"sample\""), json);
        IOException e = assertThrows(IOException.class, () -> bundled("smoke", List.of("train.schedule=cosine")));
        assertTrue(e.getMessage().endsWith("smoke.json: train.schedule must be one of [paper-epoch-linear, epoch-cosine,"
                + " warmup-linear, warmup-cosine, constant], got 'cosine'"), e.getMessage());
        // A number is not an enum's position in our declaration.
        e = assertThrows(IOException.class, () -> bundled("smoke", List.of("train.mixed_precision=1")));
        assertTrue(e.getMessage().endsWith("smoke.json: train.mixed_precision must be one of [off, fp16, bf16], got '1'"),
                e.getMessage());
    }

    @Test
    void aBadValueNamesTheFieldAndWhatIsAllowed() throws IOException {
        String mode = refusal("experiment.data_mode=mix");
        assertTrue(mode.contains("experiment.data_mode") && mode.contains("replace"), mode);
        assertRefused("generation.max_new_tokens=32", "generation.max_new_tokens (32) must equal data.block_size (16)");
        assertRefused("train.epochs=0", "train.epochs must be >= 1, got 0");
        assertRefused("train.epochs=2147483647", "train.epochs must be <= 1000, got 2147483647");
        assertRefused("device.device=tpu", "device.device");
        // A preset's name is checked where the config is read, not when the run first needs the model.
        assertRefused("model.base=preset:huge", "smoke.json: model.base: unknown model preset 'huge'; expected one of "
                + Presets.names());
        assertEquals("opt-125m", bundled("smoke", List.of("model.base=preset:opt-125m")).model().presetName());
        assertNull(bundled("smoke", List.of("model.base=facebook/opt-125m")).model().presetName());
    }

    /** The smoke config with {@code set} applied is refused, with a message that contains {@code expected}. */
    private static void assertRefused(String set, String expected) {
        String message = refusal(set);
        assertTrue(message.contains(expected), message);
    }

    private static String refusal(String set) {
        return assertThrows(IOException.class, () -> bundled("smoke", List.of(set))).getMessage();
    }

    @Test
    void malformedFilesAndAssignmentsAreNamed() throws IOException {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{ \"name\": \"x\", ");
        IOException e = assertThrows(IOException.class, () -> RunConfig.load(bad, List.of()));
        assertTrue(e.getMessage().startsWith(bad.toString()) && e.getMessage().contains("not valid JSON"), e.getMessage());
        e = assertThrows(IOException.class, () -> RunConfig.load(dir.resolve("missing.json"), List.of()));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
        assertRefused("train.epochs", "path.to.field=value");
        assertRefused("train.epochs=", "--set train.epochs=: no value after '='; expected path.to.field=value");
        assertRefused("name.x=1", "'name' is not an object");
    }
}
