package io.collapse.pipeline;

import io.collapse.eval.PplFile;
import io.collapse.generate.CorpusManifest;
import io.collapse.generate.SyntheticCorpus;
import io.collapse.io.AtomicFiles;
import io.collapse.io.Checksums;
import io.collapse.io.DamagedFileException;
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
            return RunState.read(runDir, generations);
        } catch (DamagedFileException e) { // a read error of the disk is not damage: it stops the run, nothing set aside
            Path file = runDir.resolve(RunState.FILE);
            Path aside = AtomicFiles.keepAside(file);
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

    /**
     * Once a generation's training is recorded as done, its resume state (weights, AdamW moments,
     * best/ and last/: four model copies, 2.5 GB for OPT-125m) is only dead weight: gen-NN/model
     * holds the result. It is renamed away first, so a kill mid-delete leaves no half state that a
     * later redo could mistake for a checkpoint; leftovers are removed on the next start.
     */
    static void discardTrainingState(Path genDir) throws IOException {
        Path train = genDir.resolve(RunFiles.TRAIN);
        Path doomed = genDir.resolve(RunFiles.TRAIN + ".discarded");
        if (Files.exists(doomed)) {
            AtomicFiles.deleteTree(doomed);
        }
        if (Files.exists(train)) {
            AtomicFiles.move(train, doomed);
            AtomicFiles.deleteTree(doomed);
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
        if (damaged.isEmpty()) {
            return state;
        }
        damaged.add(RunState.END); // the report and run_done, made from what is redone
        return state.without(damaged, generations);
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
        } catch (DamagedFileException e) {
            Path aside = AtomicFiles.keepAside(genDir.resolve(RunFiles.EVAL));
            log.println("warning: " + e.getMessage() + "; kept as " + genDir.getFileName() + "/" + aside.getFileName());
            return GenerationRecord.read(genDir);
        }
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
                    if (recorded == null) {
                        return "no record of its weights (" + RunFiles.EVAL + " has none)";
                    }
                    if (!recorded.equals(actual)) {
                        return "model weights sha256 " + actual + " does not match the recorded " + recorded;
                    }
                }
                case EVAL -> {
                    if (ev.test() == null || ev.valid() == null) {
                        return RunFiles.EVAL + " lacks the test or validation results";
                    }
                }
                case CORPUS -> {
                    Path corpus = genDir.resolve(RunFiles.CORPUS);
                    SyntheticCorpus.read(corpus); // verifies every shard
                    String by = CorpusManifest.read(corpus).model();
                    String model = ev.train() == null ? null : GenerationRecord.modelIdentity(genDir, ev);
                    if (model != null && !model.equals(by)) {
                        return "written by " + (by == null ? "an unnamed model" : by) + ", not by " + model;
                    }
                }
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

    /**
     * A corpus begun from another model than gen-k/model (its training was redone and came out
     * otherwise) is kept aside, so the writer starts afresh where it would refuse another job's corpus.
     */
    static void setAsideStaleCorpus(Path genDir, PrintWriter log) throws IOException {
        Path corpus = genDir.resolve(RunFiles.CORPUS);
        CorpusManifest m = manifestUnlessDamaged(genDir);
        String model = GenerationRecord.modelIdentity(genDir);
        if (m != null && !model.equals(m.model())) {
            Path aside = AtomicFiles.keepAside(corpus.resolve(CorpusManifest.FILE));
            log.println("note: " + corpus + " was begun by " + m.model() + ", not by " + model + "; kept its manifest as "
                    + aside.getFileName() + ", writing the corpus anew");
        }
    }

    /**
     * What the finished units after generation k's {@code phase} were made from, read before the
     * unit is redone: for TRAIN the model as the corpus manifest names it (else as eval.json has it),
     * for CORPUS the corpus ids' sha256 its score recorded; "" for EVAL and SCORE, which nothing
     * later reads. Null when nothing is on record.
     */
    static String usedBy(Path genDir, RunState.Phase phase) {
        try {
            return switch (phase) {
                case TRAIN -> {
                    CorpusManifest corpus = manifestUnlessDamaged(genDir);
                    GenerationRecord record = GenerationRecord.read(genDir);
                    yield corpus != null ? corpus.model() : record.train() == null ? null : GenerationRecord.modelIdentity(genDir, record);
                }
                case CORPUS -> {
                    GenerationRecord.CorpusScore score = GenerationRecord.read(genDir).corpus();
                    yield score == null ? null : score.sha256();
                }
                case EVAL, SCORE -> "";
            };
        } catch (IOException e) {
            return null;
        }
    }

    /** gen-NN's corpus manifest; null where there is none, or it is damaged (the writer keeps it aside itself). */
    private static CorpusManifest manifestUnlessDamaged(Path genDir) throws IOException {
        try {
            return CorpusManifest.read(genDir.resolve(RunFiles.CORPUS));
        } catch (DamagedFileException e) {
            return null;
        }
    }

    /**
     * After a unit was redone while later ones stood finished ({@code madeFromIt}): where its new
     * output differs from what they were made from (another platform's bits, or a record lost with
     * a damaged file), they are unfinished again, so the run ends as an uninterrupted one would.
     */
    static RunState redoIfChanged(Path genDir, int k, RunState.Phase phase, String used, List<String> madeFromIt,
            RunState state, int generations, PrintWriter log) throws IOException {
        String made = switch (phase) {
            case TRAIN -> GenerationRecord.modelIdentity(genDir);
            case CORPUS -> SyntheticCorpus.read(genDir.resolve(RunFiles.CORPUS)).idsSha256();
            case EVAL, SCORE -> "";
        };
        if (made.equals(used)) {
            return state;
        }
        log.println("warning: " + RunState.unit(k, phase) + " came out as " + made + ", not as "
                + (used == null ? "the record, lost with a damaged file," : used) + " that later units were made from; redoing "
                + String.join(", ", madeFromIt));
        for (int later = k + 1; later < generations; later++) { // a half-done training of theirs trained on the old data
            discardTrainingState(RunFiles.gen(genDir.getParent(), later));
        }
        return state.without(madeFromIt, generations);
    }
}
