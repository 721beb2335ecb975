package io.collapse.pipeline;

import io.collapse.eval.PplFile;
import io.collapse.generate.SyntheticCorpus;
import io.collapse.io.AtomicFiles;
import io.collapse.io.Checksums;
import io.collapse.model.hf.HfModelDir;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Before a run continues, every finished unit's files are checked (readable, complete, matching
 * their recorded checksums). A unit whose output is missing or damaged is marked unfinished, with
 * a warning, so the loop redoes just that unit from its own resumable state; nothing else is lost.
 */
final class RunCheck {

    private RunCheck() {}

    /**
     * state.json; when it is damaged, it is kept aside as {@code state.json.damaged} and the state
     * is rebuilt from the outputs themselves: every unit, in order, up to the first whose files do
     * not check out.
     */
    static RunState readState(Path runDir, int generations, PrintWriter log) throws IOException {
        try {
            return RunState.read(runDir);
        } catch (IOException e) {
            Path file = runDir.resolve(RunState.FILE);
            Path aside = keepAside(file);
            log.println("warning: " + e.getMessage() + "; kept as " + aside.getFileName()
                    + ", rebuilding the state from the run's files");
            RunState state = RunState.fresh();
            for (int k = 0; k < generations; k++) {
                Path genDir = RunFiles.gen(runDir, k);
                GenerationRecord ev = readOrSetAside(genDir, log);
                for (RunState.Phase phase : RunState.Phase.values()) {
                    if (problem(genDir, ev, k, phase) != null) {
                        return state;
                    }
                    state = state.complete(k, phase, generations);
                }
            }
            return state;
        }
    }

    /** Deletes the temporary files of writes that a kill cut short (their targets are intact). */
    static void removeLeftovers(Path runDir) throws IOException {
        try (Stream<Path> all = Files.walk(runDir)) {
            for (Path p : (Iterable<Path>) all.filter(AtomicFiles::isLeftover)::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new IOException(runDir + ": cannot remove leftover temporary files (" + AtomicFiles.reason(e) + ")", e);
        }
    }

    static RunState verify(Path runDir, RunState state, int generations, PrintWriter log) throws IOException {
        List<String> damaged = new ArrayList<>();
        for (int k = 0; k < generations; k++) {
            Path genDir = RunFiles.gen(runDir, k);
            GenerationRecord ev = readOrSetAside(genDir, log);
            for (RunState.Phase phase : RunState.Phase.values()) {
                if (!state.isDone(k, phase)) {
                    continue;
                }
                String problem = problem(genDir, ev, k, phase);
                if (problem != null) {
                    log.println("warning: " + RunState.unit(k, phase) + ": " + problem + "; redoing it");
                    damaged.add(RunState.unit(k, phase));
                }
            }
        }
        return damaged.isEmpty() ? state : state.without(damaged, generations);
    }

    /**
     * eval.json holds the records of its generation's train, eval and score units; when it cannot
     * be read it is kept aside as {@code eval.json.damaged}, and the checks below find those units
     * without their records and redo them (training again gives the same bytes).
     *
     * @return the record, empty when there is none (or it was set aside)
     */
    private static GenerationRecord readOrSetAside(Path genDir, PrintWriter log) throws IOException {
        try {
            return GenerationRecord.read(genDir);
        } catch (IOException e) {
            Path aside = keepAside(genDir.resolve(RunFiles.EVAL));
            log.println("warning: " + e.getMessage() + "; kept as " + genDir.getFileName() + "/" + aside.getFileName());
            return GenerationRecord.read(genDir);
        }
    }

    private static Path keepAside(Path file) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".damaged");
        AtomicFiles.move(file, aside);
        return aside;
    }

    /** What is wrong with a per-sequence perplexity file that should hold {@code n} values (any number when n < 0), or null. */
    private static String pplProblem(Path file, long n) throws IOException {
        if (!Files.isRegularFile(file)) {
            return file.getFileName() + " is missing";
        }
        int found = PplFile.read(file).length; // every value a finite perplexity > 0
        return n >= 0 && found != n ? file.getFileName() + " holds " + found + " perplexities, expected " + n : null;
    }

    /** What is wrong with a finished unit's output, or null. */
    private static String problem(Path genDir, GenerationRecord ev, int k, RunState.Phase phase) {
        try {
            switch (phase) {
                case TRAIN -> {
                    Path model = genDir.resolve(RunFiles.MODEL);
                    HfModelDir.read(model); // config, header and offsets: a truncated file fails here
                    String recorded = ev.train() == null ? null : ev.train().modelSha256();
                    String actual = Checksums.sha256(HfModelDir.weightsFile(model));
                    if (recorded == null || !recorded.equals(actual)) {
                        return "model weights sha256 " + actual + " does not match the recorded " + recorded;
                    }
                }
                case EVAL -> {
                    if (ev.test() == null || ev.valid() == null) {
                        return RunFiles.EVAL + " lacks the test or validation results";
                    }
                }
                case CORPUS -> SyntheticCorpus.read(genDir.resolve(RunFiles.CORPUS)); // verifies every shard
                case SCORE -> {
                    if (ev.corpus() == null) {
                        return RunFiles.EVAL + " lacks the corpus scores";
                    }
                    String corpus = pplProblem(genDir.resolve(RunFiles.CORPUS_PPL), ev.corpus().blocks());
                    if (corpus != null || k > 0) {
                        return corpus;
                    }
                    // Generation 0 trained on the real training blocks; their perplexities are scored with the corpus's.
                    return pplProblem(genDir.resolve(RunFiles.REAL_PPL), ev.train() == null ? -1 : ev.train().trainBlocks());
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        }
    }
}
