package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.collapse.TestDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The real CLI in child JVMs, for the tests that kill and resume runs: a child halts itself at the
 * point a test names ({@link io.collapse.io.HaltHook}: for the files the same as SIGKILL), so every
 * kill lands where intended on any device. Downloads and logs go under the test's folder.
 */
final class ChildRuns {

    /**
     * The smoke config with a test split large enough that evaluation takes a moment to kill, on the
     * test device. On a GPU the same bytes need deterministic kernels (CUDA's embedding backward adds
     * with atomics): whether they hold there is what the GPU check finds out.
     */
    static final List<String> SMOKE = List.of("run", "smoke", "--no-progress", "--no-report",
            "--set", "data.test_blocks=300", "--set", "experiment.corpus_batch=8", "--set", "experiment.corpus_shard_blocks=8",
            "--set", "device.device=" + TestDevice.name());

    /** The exit status of a child stopped by its HaltHook. */
    static final int HALTED = 137;

    private final Path tmp;
    private final Map<Long, Path> logs = new ConcurrentHashMap<>();

    ChildRuns(Path tmp) {
        this.tmp = tmp;
    }

    /** Starts a run (or continues it) that halts itself at {@code halt} (see HaltHook), and waits for the halt. */
    void killAt(Path run, String halt) throws Exception {
        Process p = start(run, argsFor(run), halt);
        assertEquals(HALTED, awaitExit(p), () -> "the run ended before the kill point: " + output(p));
    }

    /**
     * The exit status of {@code p}, once it has halted itself or ended. 15 minutes is ample on a 2-core
     * machine loaded tenfold by parallel builds; a child that takes longer is killed, failing the test.
     */
    int awaitExit(Process p) throws InterruptedException {
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("kill point not reached in time: " + output(p));
        }
        return p.exitValue();
    }

    /** Continue the run if it has begun, else begin it. */
    List<String> argsFor(Path run) {
        return Files.exists(run.resolve("run.json")) ? resumeArgs(run) : SMOKE;
    }

    /** `collapse resume RUN`, quietly. */
    static List<String> resumeArgs(Path run) {
        return List.of("resume", run.toString(), "--no-progress", "--no-report");
    }

    /** Resumes {@code run} to its end, which must succeed, and returns what it printed. */
    String resumeToEnd(Path run) throws IOException, InterruptedException {
        Process p = start(run, resumeArgs(run));
        assertEquals(0, p.waitFor(), () -> output(p));
        return output(p);
    }

    Process start(Path runDir, List<String> args) throws IOException {
        return start(runDir, args, null);
    }

    /** Starts the CLI in a child JVM; {@code halt}, when not null, is its collapse.test.halt (see HaltHook). */
    Process start(Path runDir, List<String> args, String halt) throws IOException {
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
        logs.put(p.pid(), log);
        return p;
    }

    /** What {@code p} printed. */
    String output(Process p) {
        try {
            return Files.readString(logs.get(p.pid()));
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The file's text, or "" while it does not exist (or is being replaced by a rename). */
    static String readOrEmpty(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
