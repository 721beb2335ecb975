package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.TestDevice;
import io.collapse.train.EventLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash-safety promise, end to end: the real CLI runs in a child JVM, is killed during
 * training, during corpus writing and during evaluation, is resumed each time, and must end with
 * exactly the metrics and corpora of an uninterrupted run. The child halts itself at the point the
 * test names ({@link io.collapse.io.HaltHook}: for the files the same as SIGKILL), so every kill
 * lands where intended on any device.
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
        killAt(run, "1,0,\"event\":\"checkpoint\"");
        assertTrue(Files.exists(run.resolve("gen-00/train/state")));
        killedAt.add(state(run));
        // 2. During generation 0's corpus, after its first shard (the manifest is written after each).
        killAt(run, "1,0,wrote " + run.resolve("gen-00/corpus/manifest.json"));
        killedAt.add(state(run));
        // 3. During generation 1's evaluation, as it starts.
        killAt(run, "1,0,\"event\":\"phase_start\",\"generation\":1,\"phase\":\"eval\"");
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
        assertEquals(1, status.err().strip().lines().count(), status.err());
        assertTrue(status.err().contains("gen-00/eval.json"), status.err());

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
     * 20 kills at seeded random moments across every phase, each followed by a resume; the first
     * resume also meets a second process on the same directory, which is refused naming the first.
     * A moment is "after 3 to 12 events of the process, then 0 to 2.5 s", so the kills walk through
     * the phases (on a machine loaded several times over, more of them land in training). The second
     * process's run waits at its moment, holding the lock, until the refusal is seen and it is killed.
     * The end is byte-identical to the uninterrupted run.
     */
    @Test
    void twentyKillsAtRandomMomentsEndByteIdentical() throws Exception {
        Path run = tmp.resolve("stress");
        java.util.Random random = new java.util.Random(14);
        List<String> killedIn = new ArrayList<>();
        boolean tookOver = false;
        for (int kill = 0; kill < 20 && !done(run, "run/end"); kill++) {
            int events = 3 + random.nextInt(10); // a restart itself logs phase_start and resume
            int ms = random.nextInt(2500);
            Process p = start(run, argsFor(run), events + "," + (kill == 1 ? "wait" : ms) + ",\"event\":");
            if (kill == 1) {
                waitFor(() -> lockHolder(run).matches("(?s).*\"pid\"\\s*:\\s*" + p.pid() + "\\D.*"), p);
                Process second = start(run, argsFor(run), null);
                assertEquals(1, second.waitFor(), () -> output(second));
                assertTrue(output(second).contains("is in use by pid " + p.pid()), output(second));
                waitFor(() -> output(p).contains("halt point reached"), p);
                JsonNode running = JSON.readTree(Cli.run("status", run.toString(), "--json").out());
                assertTrue(running.path("process").asText().equals("running")
                        && running.path("holder").asText().startsWith("pid " + p.pid() + " "), running::toString);
                p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
                awaitExit(p);
                Cli.Result killed = Cli.run("status", run.toString());
                assertTrue(killed.out().contains("process    none; the last one, pid " + p.pid() + " "), killed.out());
            }
            awaitExit(p);
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

    @Test
    void aRunContinuesWithSmallerBatchesWhereItStopped() throws Exception {
        Path run = tmp.resolve("smaller");
        killAt(run, "1,0,\"event\":\"checkpoint\""); // generation 0's training, after its step-2 checkpoint
        List<String> resume = List.of("resume", run.toString(), "--no-progress", "--no-report");

        // Half the micro-batch: training goes on from its checkpoint; killed after the corpus's first shard.
        List<String> smallerMicro = new ArrayList<>(resume);
        smallerMicro.addAll(List.of("--set", "train.micro_batch=2"));
        Process p = start(run, smallerMicro, "1,0,wrote " + run.resolve("gen-00/corpus/manifest.json"));
        assertEquals(HALTED, awaitExit(p), () -> output(p));
        assertTrue(output(p).contains("note: continuing with train.micro_batch: 4 -> 2"), output(p));
        JsonNode firstShard = JSON.readTree(run.resolve("gen-00/corpus/manifest.json").toFile()).path("shards").get(0);
        Cli.Result stopped = Cli.run("status", run.toString());
        assertTrue(stopped.out().matches("(?s).*\neta        \\d+m\\d\\ds of work left \\(no process is running\\)\n.*"), stopped.out());

        // Half the corpus batch: the corpus goes on after its first shard.
        List<String> smallerCorpusBatch = new ArrayList<>(resume);
        smallerCorpusBatch.addAll(List.of("--set", "experiment.corpus_batch=4"));
        Process q = start(run, smallerCorpusBatch);
        assertEquals(0, q.waitFor(), () -> output(q));

        JsonNode manifest = JSON.readTree(run.resolve("run.json").toFile());
        assertEquals(2, manifest.path("config").path("train").path("micro_batch").asInt());
        assertEquals(4, manifest.path("config").path("experiment").path("corpus_batch").asInt());
        JsonNode changes = manifest.path("changes");
        assertEquals(List.of("train.micro_batch: 4 -> 2", "experiment.corpus_batch: 8 -> 4"),
                List.of(change(changes.get(0)), change(changes.get(1))), changes::toString);
        String events = events(run);
        assertEquals(2, events.split("\"event\":\"config_changed\"", -1).length - 1, events);
        assertEquals(List.of(2L), EventLog.read(run.resolve("events.jsonl")).stream()
                .filter(e -> e.path("event").asText().equals("resume")).map(e -> e.path("step").asLong()).toList(),
                "training went on from its step-2 checkpoint");
        JsonNode corpus = JSON.readTree(run.resolve("gen-00/corpus/manifest.json").toFile());
        assertEquals(4, corpus.path("batch_size").asInt());
        assertEquals(firstShard, corpus.path("shards").get(0), "the shard written before the change is kept");
        assertEquals(8, firstShard.path("batch_size").asInt());
        assertEquals(4, corpus.path("shards").get(1).path("batch_size").asInt());
        assertTrue(JSON.readTree(run.resolve("state.json").toFile()).path("finished").asBoolean());
        for (String gen : List.of("gen-00", "gen-01")) { // evaluated before any change was recorded, and after
            JsonNode test = JSON.readTree(run.resolve(gen + "/eval.json").toFile()).path("test");
            assertEquals(4, test.path("batch_size").asInt(), gen + ": mean_batch_ppl over the micro-batch the run began with");
        }

        // Anything else is refused, naming what may change.
        List<String> otherSetting = new ArrayList<>(resume);
        otherSetting.addAll(List.of("--set", "train.epochs=3"));
        Process r = start(run, otherSetting);
        assertEquals(1, r.waitFor());
        assertTrue(output(r).contains("only train.micro_batch and experiment.corpus_batch may change"), output(r));
    }

    private static String change(JsonNode c) {
        return c.path("setting").asText() + ": " + c.path("from") + " -> " + c.path("to");
    }

    /** Starts a run (or continues it) that halts itself at {@code halt} (see HaltHook), and waits for the halt. */
    private static void killAt(Path run, String halt) throws Exception {
        Process p = start(run, argsFor(run), halt);
        assertEquals(HALTED, awaitExit(p), () -> "the run ended before the kill point: " + output(p));
    }

    /**
     * The exit status of {@code p}, once it has halted itself or ended. 15 minutes is ample on a 2-core
     * machine loaded tenfold by parallel builds; a child that takes longer is killed, failing the test.
     */
    private static int awaitExit(Process p) throws InterruptedException {
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("kill point not reached in time: " + output(p));
        }
        return p.exitValue();
    }

    /** The exit status of a child stopped by its HaltHook. */
    private static final int HALTED = 137;

    /** Continue the run if it has begun, else begin it. */
    private static List<String> argsFor(Path run) {
        return Files.exists(run.resolve("run.json")) ? List.of("resume", run.toString(), "--no-progress", "--no-report") : CONFIG;
    }

    private static Process start(Path runDir, List<String> args) throws IOException {
        return start(runDir, args, null);
    }

    /** Starts the CLI in a child JVM; {@code halt}, when not null, is its collapse.test.halt (see HaltHook). */
    private static Process start(Path runDir, List<String> args, String halt) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", "-Dcollapse.offline=true",
                "-Dcollapse.repo=" + System.getProperty("collapse.repo"),
                "-Dcollapse.cache=" + tmp.resolve("cache")));
        if (halt != null) {
            cmd.add("-Dcollapse.test.halt=" + halt);
        }
        cmd.add("io.collapse.cli.CollapseCli");
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
