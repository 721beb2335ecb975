package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash-safety promise, end to end: the real CLI runs in a child JVM, is killed with SIGKILL
 * during training, during corpus writing and during evaluation, is resumed each time, and must end
 * with exactly the metrics and corpora of an uninterrupted run.
 */
class RunResumeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The smoke config with a test split large enough that evaluation takes a moment to kill. */
    private static final List<String> CONFIG = List.of("run", "smoke", "--no-progress", "--no-report",
            "--set", "data.test_blocks=300", "--set", "experiment.corpus_batch=8", "--set", "experiment.corpus_shard_blocks=8");

    @TempDir static Path tmp;

    private static Path reference;

    @BeforeAll
    static void uninterruptedRun() throws Exception {
        reference = tmp.resolve("uninterrupted");
        Process p = start(reference, CONFIG);
        assertEquals(0, p.waitFor(), () -> output(p));
    }

    @Test
    void killedDuringTrainingCorpusAndEvaluationEndsWithTheSameMetrics() throws Exception {
        Path run = tmp.resolve("killed");
        List<String> killedAt = new ArrayList<>();

        // 1. During generation 0's training, after its first mid-epoch checkpoint.
        killWhen(run, dir -> Files.exists(dir.resolve("gen-00/train/state")) && !done(dir, "gen-00/train"));
        killedAt.add(state(run));
        // 2. During generation 0's corpus, after its first shard.
        killWhen(run, dir -> Files.exists(dir.resolve("gen-00/corpus/manifest.json")) && !done(dir, "gen-00/corpus"));
        killedAt.add(state(run));
        // 3. During generation 1's evaluation.
        killWhen(run, dir -> events(dir).contains("\"phase_start\",\"generation\":1,\"phase\":\"eval\"")
                && !done(dir, "gen-01/eval"));
        killedAt.add(state(run));

        Process p = start(run, List.of("resume", run.toString(), "--no-progress", "--no-report"));
        assertEquals(0, p.waitFor(), () -> output(p));

        assertFalse(killedAt.get(0).contains("gen-00/train"), "first kill came after training: " + killedAt);
        assertFalse(killedAt.get(1).contains("gen-00/corpus"), "second kill came after the corpus: " + killedAt);
        assertFalse(killedAt.get(2).contains("gen-01/eval"), "third kill came after evaluation: " + killedAt);
        for (String gen : List.of("gen-00", "gen-01")) {
            JsonNode want = JSON.readTree(reference.resolve(gen + "/eval.json").toFile());
            JsonNode got = JSON.readTree(run.resolve(gen + "/eval.json").toFile());
            assertEquals(want, got, gen + "/eval.json differs after kills at " + killedAt);
            assertArrayEquals(Files.readAllBytes(reference.resolve(gen + "/corpus-ppl.f32")),
                    Files.readAllBytes(run.resolve(gen + "/corpus-ppl.f32")), gen + " corpus perplexities");
            assertEquals(want.path("corpus").path("sha256").asText(), got.path("corpus").path("sha256").asText());
        }
        assertTrue(JSON.readTree(run.resolve("state.json").toFile()).path("finished").asBoolean());
    }

    @Test
    void damagedFilesOfAFinishedRunAreFoundAndRedoneAlone() throws Exception {
        Path run = tmp.resolve("damaged");
        try (var files = Files.walk(reference)) {
            for (Path f : files.toList()) {
                Path to = run.resolve(reference.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
        Path weights = run.resolve("gen-01/model/model.safetensors");
        Files.write(weights, java.util.Arrays.copyOf(Files.readAllBytes(weights), (int) Files.size(weights) / 2));
        Path shard = run.resolve("gen-00/corpus/shard-00001.bin");
        byte[] bytes = Files.readAllBytes(shard);
        bytes[5] ^= 0x10;
        Files.write(shard, bytes);
        Files.delete(run.resolve("gen-01/corpus-ppl.f32"));

        Process p = start(run, List.of("resume", run.toString(), "--no-progress", "--no-report"));
        assertEquals(0, p.waitFor(), () -> output(p));
        String out = output(p);
        assertTrue(out.contains("warning: gen-01/train") && out.contains("warning: gen-00/corpus")
                && out.contains("warning: gen-01/score"), out);
        for (String f : List.of("gen-01/model/model.safetensors", "gen-00/corpus/shard-00001.bin", "gen-01/corpus-ppl.f32",
                "gen-00/eval.json", "gen-01/eval.json")) {
            assertArrayEquals(Files.readAllBytes(reference.resolve(f)), Files.readAllBytes(run.resolve(f)), f);
        }
    }

    @Test
    void aRunDirectoryIsNeverContinuedWithAnotherConfig() throws Exception {
        List<String> other = new ArrayList<>(CONFIG);
        other.addAll(List.of("--set", "train.epochs=3"));
        Process p = start(reference, other);
        assertEquals(1, p.waitFor());
        String out = output(p);
        assertTrue(out.contains("different config") && out.contains("train.epochs: 2 -> 3"), out);
    }

    /** Starts a run (or continues it) and kills it the moment {@code when} holds. */
    private static void killWhen(Path run, Predicate<Path> when) throws Exception {
        List<String> args = Files.exists(run.resolve("run.json"))
                ? List.of("resume", run.toString(), "--no-progress", "--no-report") : CONFIG;
        Process p = start(run, args);
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (!when.test(run)) {
            assertTrue(p.isAlive(), () -> "the run ended before the kill point: " + output(p));
            assertTrue(System.nanoTime() < deadline, "kill point not reached in time");
            Thread.sleep(5);
        }
        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
        p.waitFor();
    }

    private static Process start(Path runDir, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", "-Dcollapse.offline=true",
                "-Dcollapse.repo=" + System.getProperty("collapse.repo"),
                "-Dcollapse.cache=" + tmp.resolve("cache"),
                "io.collapse.cli.CollapseCli"));
        cmd.addAll(args);
        if (args.get(0).equals("run")) {
            cmd.addAll(List.of("--run-dir", runDir.toString()));
        }
        Path log = tmp.resolve(runDir.getFileName() + "-" + System.nanoTime() + ".log");
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static String output(Process p) {
        try (var files = Files.list(tmp)) {
            StringBuilder sb = new StringBuilder();
            for (Path f : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                sb.append("== ").append(f.getFileName()).append('\n').append(Files.readString(f));
            }
            return sb.toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static boolean done(Path run, String unit) {
        return state(run).contains("\"" + unit + "\"");
    }

    private static String state(Path run) {
        try {
            return Files.exists(run.resolve("state.json")) ? Files.readString(run.resolve("state.json")) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String events(Path run) {
        try {
            return Files.exists(run.resolve("events.jsonl")) ? Files.readString(run.resolve("events.jsonl")) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
