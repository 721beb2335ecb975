package io.collapse.pipeline;

import io.collapse.config.ConfigLoader;
import io.collapse.config.RunConfig;
import io.collapse.io.ErrorLines;
import io.collapse.train.EventLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A phase that failed: its line in events.jsonl (which {@code collapse status} shows after the
 * process is gone) and, when the device or host ran out of memory, the setting to lower and the
 * command that continues the run with it — everything finished so far is kept.
 */
final class PhaseFailure {


    private PhaseFailure() {}

    /**
     * The error to show for {@code e} when memory ran out — the device's or host's (what to lower),
     * or the JVM's (its heap) — wrapping it; null when {@code e} says all there is to say.
     */
    static IOException advice(RunConfig cfg, Path runDir, int generation, RunState.Phase phase, Throwable e) {
        if (e instanceof OutOfMemoryError oom) {
            return new IOException(jvmAdvice(runDir, generation, phase, oom, Runtime.getRuntime().maxMemory()), oom);
        }
        return outOfMemory(e) ? new IOException(memoryAdvice(cfg, runDir, generation, phase, e), e) : null;
    }

    /** Appends the failure to {@code events}; a failure to append (a full disk) is added to {@code e}, not thrown. */
    static void record(EventLog events, int generation, RunState.Phase phase, double seconds, Throwable e) {
        try {
            events.append(RunEvent.PHASE_FAILED.id(), ConfigLoader.fields("generation", generation, "phase", phase.id, "seconds", seconds,
                    "error", ErrorLines.oneLine(e)));
        } catch (RuntimeException appendFailed) {
            e.addSuppressed(appendFailed);
        }
    }

    /**
     * Whether {@code e}, or a cause, is libtorch failing to allocate: CUDA's caching allocator
     * ("CUDA out of memory"), a CUDA call ("out of memory"), cuBLAS or cuDNN ("…_STATUS_ALLOC_FAILED"),
     * or the CPU allocator ("can't allocate memory", older torch "not enough memory").
     */
    static boolean outOfMemory(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("out of memory") || m.contains("can't allocate memory") || m.contains("not enough memory")
                    || m.contains("alloc_failed")) {
                return true;
            }
        }
        return false;
    }

    /**
     * What to tell the user when {@code phase} of {@code generation} ran out of memory: the
     * setting that sizes that phase's batches, its value now, a smaller one that keeps the
     * config valid, and the command that continues the run with it.
     */
    static String memoryAdvice(RunConfig cfg, Path runDir, int generation, RunState.Phase phase, Throwable e) {
        boolean corpus = phase == RunState.Phase.CORPUS;
        String setting = corpus ? RunManifest.CORPUS_BATCH : RunManifest.MICRO_BATCH;
        int now = corpus ? cfg.experiment().corpusBatch() : cfg.train().microBatch();
        int whole = corpus ? cfg.experiment().corpusShardBlocks() : cfg.train().batchSize();
        String wholeName = corpus ? "experiment.corpus_shard_blocks" : "train.batch_size";
        String head = "generation " + generation + " " + phase.id + " ran out of memory (" + ErrorLines.oneLine(e) + "); ";
        int smaller = atMostHalf(whole, now);
        if (smaller == 0) {
            return head + setting + " is already 1: use a smaller model or a larger device"
                    + (phase == RunState.Phase.TRAIN ? ", or train.mixed_precision" : "");
        }
        return head + "what is finished is kept: continue with `collapse resume " + ErrorLines.shellWord(runDir) + " --set " + setting + "="
                + smaller + "` (now " + now + "; it must divide " + wholeName + " " + whole + ")";
    }

    /**
     * What to tell the user when the JVM ran out of memory: for its heap ("Java heap space", "GC
     * overhead limit exceeded", at most {@code maxHeapBytes}), twice the heap; else what ran out.
     */
    static String jvmAdvice(Path runDir, int generation, RunState.Phase phase, OutOfMemoryError e, long maxHeapBytes) {
        String what = e.getMessage() == null ? "" : e.getMessage();
        String head = "generation " + generation + " " + phase.id + " ran out of ";
        String resume = "`collapse resume " + ErrorLines.shellWord(runDir) + "`";
        if (!what.contains("Java heap space") && !what.contains("GC overhead")) {
            return head + "JVM memory (" + what + "); what is finished is kept: continue with " + resume;
        }
        long gib = Math.max(1, (maxHeapBytes + (1L << 29)) >> 30);
        return head + "Java heap (at most " + gib + " GiB); what is finished is kept: add -Xmx" + 2 * gib
                + "g to COLLAPSE_JAVA_OPTS (which replaces the launcher's default -Xmx8g: keep your other options"
                + " in it) and continue with " + resume + " (libtorch's memory is outside the heap)";
    }

    /** The largest divisor of {@code whole} that is at most half of {@code limit}; 0 when limit is 1. */
    static int atMostHalf(int whole, int limit) {
        for (int d = limit / 2; d >= 1; d--) {
            if (whole % d == 0) {
                return d;
            }
        }
        return 0;
    }
}
