package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.TestDevice;
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

    /**
     * The smoke config with a test split large enough that evaluation takes a moment to kill, on the
     * test device. On a GPU the same bytes need deterministic kernels (CUDA's embedding backward adds
     * with atomics): whether they hold there is what the GPU check finds out.
     */
    private static final List<String> CONFIG = List.of("run", "smoke", "--no-progress", "--no-report",
            "--set", "data.test_blocks=300", "--set", "experiment.corpus_batch=8", "--set", "experiment.corpus_shard_blocks=8",
            "--set", "device.device=" + TestDevice.name());

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
        Path run = copyOf(reference, tmp.resolve("damaged"));
        Path weights = run.resolve("gen-01/model/model.safetensors");
        Files.write(weights, java.util.Arrays.copyOf(Files.readAllBytes(weights), (int) Files.size(weights) / 2));
        Path shard = run.resolve("gen-00/corpus/shard-00001.bin");
        byte[] bytes = Files.readAllBytes(shard);
        bytes[5] ^= 0x10;
        Files.write(shard, bytes);
        Files.delete(run.resolve("gen-01/corpus-ppl.f32"));
        Files.writeString(run.resolve("gen-00/eval.json"), "not json");

        Cli.Result status = Cli.run("status", run.toString());
        assertEquals(1, status.code());
        assertTrue(status.err().strip().lines().count() == 1 && status.err().contains("gen-00/eval.json"), status.err());

        Process p = start(run, List.of("resume", run.toString(), "--no-progress", "--no-report"));
        assertEquals(0, p.waitFor(), () -> output(p));
        String out = output(p);
        assertTrue(out.contains("warning: gen-01/train") && out.contains("warning: gen-00/corpus")
                && out.contains("warning: gen-01/score") && out.contains("kept as gen-00/eval.json.damaged")
                && out.contains("warning: gen-00/train"), out);
        assertEquals("not json", Files.readString(run.resolve("gen-00/eval.json.damaged")));
        for (String f : List.of("gen-01/model/model.safetensors", "gen-00/corpus/shard-00001.bin", "gen-01/corpus-ppl.f32",
                "gen-00/eval.json", "gen-01/eval.json")) {
            assertArrayEquals(Files.readAllBytes(reference.resolve(f)), Files.readAllBytes(run.resolve(f)), f);
        }
    }

    /**
     * A damaged state.json is rebuilt from the outputs (nothing redone), a torn events.jsonl line is
     * cut, temporary files of cut-short writes are removed, and the run's end (run_done, the final
     * report) is done by the resume when a kill came after the last generation's units.
     */
    @Test
    void damagedStateTornEventsAndLeftoversAreRepairedWithoutRedoingWork() throws Exception {
        Path run = copyOf(reference, tmp.resolve("repaired"));
        Files.writeString(run.resolve("state.json"), "{\"format\": 1, \"completed\": [\"gen-00/tr");
        Files.writeString(run.resolve("events.jsonl"), Files.readString(run.resolve("events.jsonl"))
                .replace("\"run_done\"", "\"gone\"") + "{\"time\":\"2026-11-26T0", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        Path leftover = run.resolve("gen-00/.real-ppl.f32.12345.tmp");
        Files.writeString(leftover, "partial");

        Process p = start(run, List.of("resume", run.toString(), "--no-progress", "--no-report"));
        assertEquals(0, p.waitFor(), () -> output(p));
        String out = output(p);
        assertTrue(out.contains("state.json: not a valid run state") && out.contains("kept as state.json.damaged"), out);
        assertFalse(out.contains("generation 0/1: train") || out.contains(": eval\n"), "work was redone:\n" + out);
        assertFalse(Files.exists(leftover));
        List<String> lines = Files.readAllLines(run.resolve("events.jsonl"));
        for (String line : lines) {
            JSON.readTree(line); // every line whole
        }
        assertTrue(lines.get(lines.size() - 1).contains("\"run_done\""), lines.get(lines.size() - 1));
        JsonNode state = JSON.readTree(run.resolve("state.json").toFile());
        assertTrue(state.path("finished").asBoolean() && state.path("completed").toString().contains("run/end"), state.toString());
        for (String f : List.of("gen-00/eval.json", "gen-01/eval.json", "gen-01/corpus-ppl.f32")) {
            assertArrayEquals(Files.readAllBytes(reference.resolve(f)), Files.readAllBytes(run.resolve(f)), f);
        }
    }

    /** Same seed, same bytes: two more runs at once, each in its own process and directory. */
    @Test
    void runsInSeparateProcessesAtOnceGiveTheSameBytes() throws Exception {
        List<Process> ps = new ArrayList<>();
        List<Path> dirs = List.of(tmp.resolve("again-1"), tmp.resolve("again-2"));
        for (Path d : dirs) {
            ps.add(start(d, CONFIG));
        }
        for (Process p : ps) {
            assertEquals(0, p.waitFor(), () -> output(p));
        }
        for (Path d : dirs) {
            assertSameOutputs(reference, d);
        }
    }

    /**
     * 20 SIGKILLs at seeded random moments across every phase, each followed by a resume; the first
     * resume also meets a second process on the same directory, which is refused naming the first.
     * A moment is "after 3 to 12 more events, then 0 to 2.5 s", so the kills walk through the phases
     * at any machine speed (on a machine loaded several times over, more of them land in training). The end is byte-identical to the uninterrupted run.
     */
    @Test
    void twentyKillsAtRandomMomentsEndByteIdentical() throws Exception {
        Path run = tmp.resolve("stress");
        java.util.Random random = new java.util.Random(14);
        List<String> killedIn = new ArrayList<>();
        boolean tookOver = false;
        for (int kill = 0; kill < 20 && !done(run, "run/end"); kill++) {
            List<String> args = Files.exists(run.resolve("run.json"))
                    ? List.of("resume", run.toString(), "--no-progress", "--no-report") : CONFIG;
            long before = events(run).lines().count();
            Process p = start(run, args);
            if (kill == 1) {
                waitFor(() -> lockHolder(run).matches("(?s).*\"pid\"\\s*:\\s*" + p.pid() + "\\D.*"), p);
                Process second = start(run, args);
                assertEquals(1, second.waitFor(), () -> output(second));
                assertTrue(output(second).contains("is in use by pid " + p.pid()), output(second));
            }
            long target = before + 3 + random.nextInt(10); // a restart itself logs phase_start and resume
            while (p.isAlive() && events(run).lines().count() < target) {
                Thread.sleep(5);
            }
            Thread.sleep(random.nextInt(2500));
            p.destroyForcibly();
            p.waitFor();
            killedIn.add(lastPhase(run));
            tookOver |= output(p).contains("note: taking over"); // the lock of the process killed before

        }
        Process last = start(run, List.of("resume", run.toString(), "--no-progress", "--no-report"));
        assertEquals(0, last.waitFor(), () -> output(last));
        assertTrue(tookOver, "no resume took over the lock of a killed run");
        assertTrue(killedIn.stream().distinct().count() >= 3, "kills did not spread over the phases: " + killedIn);
        assertSameOutputs(reference, run);
    }

    private static void assertSameOutputs(Path want, Path got) throws IOException {
        for (String gen : List.of("gen-00", "gen-01")) {
            List<Path> files;
            try (var walk = Files.walk(want.resolve(gen))) {
                files = walk.filter(Files::isRegularFile).toList();
            }
            for (Path f : files) {
                Path rel = want.relativize(f);
                assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(got.resolve(rel.toString())), rel + " differs in " + got);
            }
        }
    }

    private static Path copyOf(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path dst = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(f, dst);
                }
            }
        }
        return to;
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, Process p) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(p.isAlive(), () -> "the run ended early: " + output(p));
            assertTrue(System.nanoTime() < deadline, "condition not reached in time");
            Thread.sleep(5);
        }
    }

    private static String lockHolder(Path run) {
        return readOrEmpty(run.resolve("run.lock"));
    }

    /** The unit the run was in: the generation and phase of the last phase_start event. */
    private static String lastPhase(Path run) {
        String last = "start";
        for (String line : events(run).lines().toList()) {
            try {
                JsonNode e = JSON.readTree(line);
                if (e.path("event").asText().equals("phase_start")) {
                    last = e.path("generation").asText() + "/" + e.path("phase").asText();
                }
            } catch (IOException torn) {
                // the line a kill cut
            }
        }
        return last;
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
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LOGS.put(p.pid(), log);
        return p;
    }

    private static final java.util.Map<Long, Path> LOGS = new java.util.concurrent.ConcurrentHashMap<>();

    /** What {@code p} printed. */
    private static String output(Process p) {
        try {
            return Files.readString(LOGS.get(p.pid()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static boolean done(Path run, String unit) {
        return state(run).contains("\"" + unit + "\"");
    }

    private static String state(Path run) {
        return readOrEmpty(run.resolve("state.json"));
    }

    private static String events(Path run) {
        return readOrEmpty(run.resolve("events.jsonl"));
    }

    /** The file's text, or "" while it does not exist (or is being replaced by a rename). */
    private static String readOrEmpty(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
