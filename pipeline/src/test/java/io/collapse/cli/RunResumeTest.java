package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.pipeline.RunState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash-safety promise, end to end: the real CLI runs in a child JVM ({@link ChildRuns}), is
 * killed during training, during corpus writing and during evaluation, is resumed each time, and
 * must end with exactly the metrics and corpora of an uninterrupted run.
 */
class RunResumeTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path tmp;

    private static ChildRuns runs;

    private static Path reference;

    @BeforeAll
    static void uninterruptedRun() throws Exception {
        runs = new ChildRuns(tmp);
        reference = tmp.resolve("uninterrupted");
        Process p = runs.start(reference, ChildRuns.SMOKE);
        assertEquals(0, p.waitFor(), () -> runs.output(p));
    }

    @Test
    void killedDuringTrainingCorpusAndEvaluationEndsWithTheSameMetrics() throws Exception {
        Path run = tmp.resolve("killed");
        List<String> killedAt = new ArrayList<>();

        // 1. During generation 0's training, after its first mid-epoch checkpoint.
        runs.killAt(run, "1,0,\"event\":\"checkpoint\"");
        assertTrue(Files.exists(run.resolve("gen-00/train/state")));
        killedAt.add(state(run));
        // 2. During generation 0's corpus, after its first shard (the manifest is written after each).
        runs.killAt(run, "1,0,wrote " + run.resolve("gen-00/corpus/manifest.json"));
        killedAt.add(state(run));
        // 3. During generation 1's evaluation, as it starts.
        runs.killAt(run, "1,0,\"event\":\"phase_start\",\"generation\":1,\"phase\":\"eval\"");
        killedAt.add(state(run));

        runs.resumeToEnd(run);

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

    /**
     * A kill while the run writes its first report, among the figures: the next start takes the
     * folder for the report it is (0.3.3 refused it as a folder of the user's at every start) and the
     * run ends with generation 1 and its report, its measures those of the uninterrupted run.
     */
    @Test
    void aKillWhileTheFirstReportIsWrittenIsResumedFrom() throws Exception {
        Path run = tmp.resolve("report-killed");
        List<String> withReport = new ArrayList<>(ChildRuns.SMOKE);
        withReport.remove("--no-report");
        Process p = runs.start(run, withReport, "1,0,wrote " + run.resolve("report/ppl-histograms.png"));
        assertEquals(ChildRuns.HALTED, runs.awaitExit(p), () -> "the run ended before the kill point: " + runs.output(p));
        assertFalse(Files.exists(run.resolve("report/index.html")));

        Process resumed = runs.start(run, List.of("resume", run.toString(), "--no-progress"));
        assertEquals(0, resumed.waitFor(), () -> runs.output(resumed));
        assertTrue(Files.isRegularFile(run.resolve("report/index.html")), runs.output(resumed));
        for (String gen : List.of("gen-00", "gen-01")) {
            assertEquals(JSON.readTree(reference.resolve(gen + "/eval.json").toFile()), JSON.readTree(run.resolve(gen + "/eval.json").toFile()),
                    gen + "/eval.json");
        }
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

        String out = runs.resumeToEnd(run);
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

        String out = runs.resumeToEnd(run);
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
            ps.add(runs.start(d, ChildRuns.SMOKE));
        }
        for (Process p : ps) {
            assertEquals(0, p.waitFor(), () -> runs.output(p));
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
            Process p = runs.start(run, runs.argsFor(run), events + "," + (kill == 1 ? "wait" : ms) + ",\"event\":");
            if (kill == 1) {
                waitFor(() -> lockHolder(run).matches("(?s).*\"pid\"\\s*:\\s*" + p.pid() + "\\D.*"), p);
                Process second = runs.start(run, runs.argsFor(run), null);
                assertEquals(1, second.waitFor(), () -> runs.output(second));
                assertTrue(runs.output(second).contains("is in use by pid " + p.pid()), runs.output(second));
                waitFor(() -> runs.output(p).contains("halt point reached"), p);
                JsonNode running = JSON.readTree(Cli.run("status", run.toString(), "--json").out());
                assertTrue(running.path("process").asText().equals("running")
                        && running.path("holder").asText().startsWith("pid " + p.pid() + " "), running::toString);
                p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
                runs.awaitExit(p);
                Cli.Result killed = Cli.run("status", run.toString());
                assertTrue(killed.out().contains("process    none; the last one, pid " + p.pid() + " "), killed.out());
            }
            runs.awaitExit(p);
            killedIn.add(lastPhase(run));
            tookOver |= runs.output(p).contains("note: taking over"); // the lock of the process killed before
        }
        runs.resumeToEnd(run);
        assertTrue(tookOver, "no resume took over the lock of a killed run");
        assertTrue(killedIn.stream().distinct().count() >= 3, "kills did not spread over the phases: " + killedIn);
        assertSameOutputs(reference, run);
    }

    /**
     * A unit redone while later ones stood finished: when it comes out as they were made from, they
     * stay; when not (another platform's bits, a lost record), they are redone too, and the run ends
     * as an uninterrupted one.
     */
    @Test
    void aRedoneUnitThatComesOutOtherwiseRedoesWhatWasMadeFromIt() throws Exception {
        // The corpus manifest names another model: the corpus is redone and comes out as before; nothing after it is redone.
        Path same = copyOf(reference, tmp.resolve("other-model"));
        String by = edit(same.resolve("gen-00/corpus/manifest.json"), "", "model", "gen-00/model@0");
        String out = runs.resumeToEnd(same);
        assertTrue(out.contains("warning: gen-00/corpus: written by gen-00/model@0, not by " + by + "; redoing it"), out);
        assertFalse(out.contains("later units were made from") || out.contains("generation 1/1: train"), out);
        assertSameOutputs(reference, same);
        List<String> completed = RunState.read(same, 2).completed();
        assertEquals(completed.indexOf(RunState.END), completed.lastIndexOf(RunState.END), "the end listed once: " + completed);

        // The score recorded another corpus: the corpus, redone, differs from it, so everything after it is redone.
        Path other = copyOf(reference, tmp.resolve("other-corpus"));
        edit(other.resolve("gen-00/eval.json"), "corpus", "sha256", "0");
        Files.delete(other.resolve("gen-00/corpus/shard-00000.bin"));
        out = runs.resumeToEnd(other);
        assertTrue(out.contains("not as 0 that later units were made from; redoing gen-00/score, gen-01/train"), out);
        assertTrue(out.contains("generation 1/1: train"), out);
        assertSameOutputs(reference, other);
    }

    /**
     * A kill during such a redo, once the redone training has rewritten the record the later units
     * are compared by, and before state.json says it is done: the next start still compares against
     * what they were made from, recorded in state.json before the redo began.
     */
    @Test
    void aKillDuringARedoKeepsWhatLaterUnitsWereMadeFrom() throws Exception {
        Path run = copyOf(reference, tmp.resolve("redo-killed"));
        Path eval = run.resolve("gen-00/eval.json");
        edit(eval, "train", "model_sha256", "0"); // as if the later units came from another gen-00 model
        Files.delete(run.resolve("gen-00/corpus/manifest.json")); // so only eval.json says which model that was
        runs.killAt(run, "1,0,wrote " + eval);
        String out = runs.resumeToEnd(run);
        assertTrue(out.contains("not as gen-00/model@0 that later units were made from"), out);
        assertSameOutputs(reference, run);
    }

    /** A report folder the run may not write, or a model folder it may not replace, is refused before the work, not after. */
    @Test
    void aFolderTheRunMayNotReplaceIsRefusedBeforeItsWork() throws Exception {
        Path run = copyOf(reference, tmp.resolve("foreign-report"));
        Files.delete(run.resolve("gen-01/corpus-ppl.f32")); // one unit left to do
        Files.createDirectories(run.resolve("report"));
        Files.writeString(run.resolve("report/notes.txt"), "mine");
        Process p = runs.start(run, List.of("resume", run.toString(), "--no-progress"));
        assertEquals(1, runs.awaitExit(p), () -> runs.output(p));
        String out = runs.output(p);
        assertTrue(out.contains("error: " + run.resolve("report") + ": holds notes.txt and is not a report folder; expected a new"
                + " or empty folder, or a report to replace; move those files away, or run with --no-report"), out);
        assertFalse(out.contains("generation 1/1: score"), out);

        // A folder where gen-01's weights belong: its training would be redone, then its model not written.
        run = copyOf(reference, tmp.resolve("foreign-model"));
        Path weights = run.resolve("gen-01/model/model.safetensors");
        Files.delete(weights);
        Files.createDirectory(weights);
        Process q = runs.start(run, ChildRuns.resumeArgs(run));
        assertEquals(1, runs.awaitExit(q), () -> runs.output(q));
        out = runs.output(q);
        assertTrue(out.contains("error: " + run.resolve("gen-01/model") + ": holds model.safetensors/"), out);
        assertFalse(Files.exists(run.resolve("gen-01/train")), "trained before refusing:\n" + out);
    }

    /** Sets {@code field} of the object {@code under} ("" for the top) in a run's JSON file, as a hand edit would; returns what it held. */
    private static String edit(Path file, String under, String field, String value) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(file.toFile());
        ObjectNode target = under.isEmpty() ? root : (ObjectNode) root.path(under);
        String was = target.path(field).asText();
        target.put(field, value);
        Files.writeString(file, root.toString());
        return was;
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
            assertTrue(p.isAlive(), () -> "the run ended early: " + runs.output(p));
            assertTrue(System.nanoTime() < deadline, "condition not reached in time");
            Thread.sleep(5);
        }
    }

    private static String lockHolder(Path run) {
        return ChildRuns.readOrEmpty(run.resolve("run.lock"));
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
        List<String> other = new ArrayList<>(ChildRuns.SMOKE);
        other.addAll(List.of("--set", "train.epochs=3"));
        Process p = runs.start(reference, other);
        assertEquals(1, p.waitFor());
        String out = runs.output(p);
        assertTrue(out.contains("different config") && out.contains("train.epochs: 2 -> 3"), out);
    }

    private static boolean done(Path run, String unit) {
        return state(run).contains("\"" + unit + "\"");
    }

    private static String state(Path run) {
        return ChildRuns.readOrEmpty(run.resolve("state.json"));
    }

    private static String events(Path run) {
        return ChildRuns.readOrEmpty(run.resolve("events.jsonl"));
    }
}
