package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.config.LmConfig;
import io.collapse.config.MixedPrecision;
import io.collapse.config.OptConfig;
import io.collapse.config.Schedule;
import io.collapse.config.TrainConfig;
import io.collapse.model.hf.HfModelDir;
import io.collapse.pipeline.RunLock;
import java.io.InputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

class TrainCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    /** wikitext-2 validation lines [from, to) as a text corpus file. */
    private Path lines(String name, int from, int to) throws Exception {
        Path gz = Path.of(System.getProperty("collapse.repo"), "datasets/wikitext-2-v1/wiki.valid.tokens.gz");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            List<String> all = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            return Files.write(tmp.resolve(name), all.subList(from, to));
        }
    }

    /** The options after the required ones, parsed as the command line would. */
    private static long platformEvents(Path out) throws IOException {
        return Files.readAllLines(out.resolve("events.jsonl")).stream().filter(l -> l.contains("\"event\":\"platform\"")).count();
    }

    /** {@code args} with the value after {@code option} replaced. */
    private static String[] with(String[] args, String option, String value) {
        String[] copy = args.clone();
        copy[List.of(args).indexOf(option) + 1] = value;
        return copy;
    }

    private static TrainCommand parsed(String... options) {
        TrainCommand command = new TrainCommand();
        List<String> args = new ArrayList<>(List.of("--model", "m", "--dataset", "wikitext-2-v1", "--out", "o"));
        args.addAll(List.of(options));
        new CommandLine(command).parseArgs(args.toArray(String[]::new));
        return command;
    }

    @Test
    void optionsNotGivenLeaveThePaperRecipeWhoseDefaultsTheHelpStates() {
        assertEquals(TrainConfig.paper(5, 0), parsed().trainConfig());
        TrainConfig c = parsed("--batch-size", "16", "--schedule", "constant", "--mixed-precision", "bf16").trainConfig();
        assertEquals(16, c.microBatch()); // follows the batch size, as in a config file
        assertEquals(Schedule.CONSTANT, c.schedule());
        assertEquals(MixedPrecision.BF16, c.mixedPrecision());
        var e = assertThrows(IllegalArgumentException.class, () -> parsed("--schedule", "cosine").trainConfig());
        assertEquals("train.schedule must be one of [paper-epoch-linear, epoch-cosine, warmup-linear, warmup-cosine,"
                + " constant], got 'cosine'", e.getMessage());

        JsonNode defaults = JSON.valueToTree(TrainConfig.paper(5, 0));
        Map<String, String> fields = Map.of("--epochs", "epochs", "--batch-size", "batch_size", "--lr", "learning_rate",
                "--weight-decay", "weight_decay", "--schedule", "schedule", "--warmup-steps", "warmup_steps",
                "--seed", "seed", "--log-every", "log_every_steps", "--mixed-precision", "mixed_precision");
        CommandSpec spec = new CommandLine(new TrainCommand()).getCommandSpec();
        fields.forEach((option, field) -> {
            String help = spec.findOption(option).description()[0];
            String stated = help.substring(help.lastIndexOf("default: ") + 9, help.lastIndexOf(')'));
            JsonNode value = defaults.get(field);
            assertTrue(value.isNumber() ? Double.parseDouble(stated) == value.asDouble() : stated.equals(value.asText()),
                    option + " says default " + stated + ", the config has " + value);
        });
    }

    @Test
    void trainsAFixtureModelOnATextCorpusAndResumesToTheSameResult() throws Exception {
        Path fixture = Path.of(getClass().getResource("/hf-opt/case-b-postln-proj/config.json").toURI()).getParent();
        Path model = Files.createDirectory(tmp.resolve("model"));
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(fixture.resolve(f), model.resolve(f));
        }
        // Its generation_config.json is kept in best/ and last/, byte for byte, though read-only here.
        Path generationConfig = Files.writeString(model.resolve("generation_config.json"), "{\"eos_token_id\": [2, 5]}");
        Files.setPosixFilePermissions(generationConfig, PosixFilePermissions.fromString("r--r--r--"));
        Path train = lines("train.txt", 0, 120);
        Path valid = lines("valid.txt", 120, 160);
        Path out = tmp.resolve("run");
        String[] args = {"train", "--model", model.toString(), "--text", train.toString(), "--valid", valid.toString(),
            "--out", out.toString(), "--cache-dir", tmp.resolve("cache").toString(), "--train-blocks", "20",
            "--valid-blocks", "6", "--epochs", "2",
            "--batch-size", "8", "--micro-batch", "4", "--lr", "1e-3", "--schedule", "constant", "--device", "cpu",
            "--json"};
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), r.err());
        JsonNode doc = JSON.readTree(r.out());
        assertEquals(20, doc.path("train_blocks").asInt());
        assertEquals(6, doc.path("valid_blocks").asInt());
        assertEquals(2 * 3, doc.path("steps").asLong()); // 20 blocks: 2 batches of 8 and one of 4, per epoch
        assertEquals(8, doc.path("config").path("batch_size").asInt());
        assertEquals(4, doc.path("config").path("micro_batch").asInt());
        double best = doc.path("best_valid_loss").asDouble();
        assertTrue(Double.isFinite(best) && best > 0, r.out());
        assertEquals((OptConfig) LmConfig.read(model.resolve("config.json")), (OptConfig) LmConfig.read(out.resolve("best/config.json")));
        assertTrue(HfModelDir.hasTokenizer(out.resolve("best")));
        for (String kept : List.of("best", "last")) {
            assertEquals("{\"eos_token_id\": [2, 5]}", Files.readString(out.resolve(kept).resolve("generation_config.json")), kept);
        }
        long stepEvents = Files.readAllLines(out.resolve("events.jsonl")).stream()
                .filter(l -> l.contains("\"event\":\"step\"")).count();
        assertEquals(doc.path("steps").asLong(), stepEvents);

        assertEquals(2 * 3, doc.path("steps_this_start").asLong());
        Cli.Result again = Cli.run(args); // finished: resumes to the same result without training
        assertEquals(0, again.code(), again.err());
        assertEquals(best, JSON.readTree(again.out()).path("best_valid_loss").asDouble());
        assertEquals(0, JSON.readTree(again.out()).path("steps_this_start").asLong());
        String text = Cli.run(java.util.Arrays.copyOf(args, args.length - 1)).out(); // without --json: says so, not "trained … 6 steps" again
        assertTrue(text.startsWith("already trained " + model + " on ") && text.contains(", 6 steps (0 this start) in "), text);

        // Each start that trains records its platform: not the finished one above, nor a refused one.
        assertEquals(1, platformEvents(out));
        Cli.Result refused = Cli.run(with(args, "--epochs", "3"));
        assertEquals(1, refused.code(), refused.out());
        assertEquals(1, platformEvents(out));
        // A start elsewhere than the last recorded one is warned about, as a run's.
        Path moved = Files.createDirectory(tmp.resolve("moved"));
        Files.writeString(moved.resolve("events.jsonl"), "{\"time\":\"t\",\"event\":\"platform\",\"devices\":[\"gpu(0)\"],"
                + "\"hardware\":\"compute capability 90, CUDA 13.0\",\"libtorch\":\"2.11.0\",\"threads\":16}\n");
        Cli.Result elsewhere = Cli.run(with(args, "--out", moved.toString()));
        assertEquals(0, elsewhere.code(), elsewhere.err());
        assertTrue(elsewhere.err().contains("warning: since the last start here, devices gpu(0) -> cpu(); hardware compute capability"
                + " 90, CUDA 13.0 -> "), elsewhere.err());
        assertEquals(2, platformEvents(moved));

        // One process at a time trains into a folder: a second is refused at once, naming the first.
        try (RunLock held = RunLock.acquire(out, new PrintWriter(Writer.nullWriter()))) {
            Cli.Result second = Cli.run(args);
            assertEquals(1, second.code());
            assertTrue(second.err().contains(out + " is in use by pid " + ProcessHandle.current().pid()), second.err());
        }
    }

    @Test
    void rejectsAMicroBatchThatDoesNotDivideTheBatch() throws Exception {
        Path model = Path.of(getClass().getResource("/hf-opt/case-a-preln/config.json").toURI()).getParent();
        Cli.Result r = Cli.run("train", "--model", model.toString(), "--dataset", "wikitext-2-v1", "--out",
                tmp.resolve("x").toString(), "--batch-size", "128", "--micro-batch", "48");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("train.micro_batch (48) must divide train.batch_size (128)"), r.err());
    }

    @Test
    void benchTrainPrintsTokensPerSecondAndMfu() throws Exception {
        Cli.Result r = Cli.run("bench", "train", "--preset", "tiny", "--batch-size", "2", "--steps", "2", "--warmup", "1",
                "--matmul-size", "128", "--matmul-seconds", "0.2", "--device", "cpu");
        assertEquals(0, r.code(), r.err());
        JsonNode line = JSON.readTree(r.out());
        assertEquals("train", line.path("bench").asText());
        assertEquals(2, line.path("steps_timed").asInt());
        assertTrue(line.path("tokens_per_s").asDouble() > 0, r.out()); // else the mfu check below holds as 0 = 0
        BenchEvalCommandTest.assertMfu(line, "train_flops_per_token");
        assertEquals(6 * line.path("matmul_params").asLong(), line.path("train_flops_per_token").asLong());
        assertEquals("float32", line.path("matmul_dtype").asText()); // the dtype the steps compute in
    }
}
