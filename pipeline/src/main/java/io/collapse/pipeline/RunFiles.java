package io.collapse.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Names inside a run directory (see README "Run directory"). One place, so readers and writers agree. */
public final class RunFiles {

    public static final String RUN = "run.json";
    public static final String EVENTS = "events.jsonl";
    public static final String BASE = "base";
    public static final String MODEL = "model";
    public static final String TRAIN = "train";
    public static final String EVAL = "eval.json";
    public static final String CORPUS = "corpus";
    public static final String CORPUS_PPL = "corpus-ppl.f32";
    public static final String REAL_PPL = "real-ppl.f32";
    public static final String REPORT = "report";
    /** Inside {@link #REPORT}: the page that shows the report. */
    public static final String INDEX = "index.html";
    /** A sweep's folder: the names of its run directories. */
    public static final String SWEEP = "sweep.json";

    private RunFiles() {}

    public static Path gen(Path runDir, int generation) {
        return runDir.resolve(String.format("gen-%02d", generation));
    }

    /**
     * Refuses, naming it as such, a training folder of {@code collapse train --out}: its events.jsonl
     * without run.json, state.json or a generation, which a run has by the time it writes events.
     */
    static void refuseTrainingFolder(Path dir) throws IOException {
        if (Files.exists(dir.resolve(EVENTS), LinkOption.NOFOLLOW_LINKS) && Files.notExists(dir.resolve(RUN))
                && Files.notExists(dir.resolve(RunState.FILE)) && Files.notExists(gen(dir, 0))) {
            throw new IOException(dir + ": a training folder (collapse train --out), not a run; its steps and validations"
                    + " are in " + dir.resolve(EVENTS) + ", and the same collapse train command continues it");
        }
    }
}
