package io.collapse.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.config.ExperimentConfig;
import io.collapse.config.RunConfig;
import io.collapse.data.Mixing;
import io.collapse.data.TokenBlocks;
import io.collapse.eval.Evaluator;
import io.collapse.eval.PplFile;
import io.collapse.io.AtomicFiles;
import io.collapse.io.Checksums;
import io.collapse.model.Devices;
import io.collapse.model.OptForCausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import io.collapse.train.EventLog;
import io.collapse.train.FineTune;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The experiment of the paper, generation by generation: generation k trains (from the base model,
 * or the previous generation's) on the original data (k = 0) or on the corpus written by
 * generation k−1 mixed with a share of original blocks; then it is evaluated on the test set,
 * writes its own corpus, and that corpus is scored by generation 0 for the histograms.
 *
 * <p>Every phase ends by recording itself in state.json; a phase cut short resumes from its own
 * finer state (training from its last checkpoint, the corpus from its last shard) or is redone
 * (evaluation, scoring: deterministic). No tensor code here: the phases call train/, eval/,
 * generate/.
 */
public final class Experiment {

    /** Told when each generation's files are complete, e.g. to refresh the report. */
    public interface Listener {
        void generationDone(Path runDir, int generation) throws IOException;

        Listener NONE = (runDir, generation) -> {};
    }

    private final RunConfig cfg;
    private final Path runDir;
    private final RunInputs inputs;
    private final Device device; // the model's: evaluation, generation, the first training replica
    private final List<Device> devices; // training, data-parallel when more than one
    private final DataType dtype;
    private final boolean progressBars;
    private final PrintStream log;

    private Experiment(RunConfig cfg, Path runDir, RunInputs inputs, List<Device> devices, boolean progressBars,
            PrintStream log) {
        this.cfg = cfg;
        this.runDir = runDir;
        this.inputs = inputs;
        this.device = devices.get(0);
        this.devices = devices;
        this.dtype = dataType(cfg.model().dtype());
        this.progressBars = progressBars;
        this.log = log;
    }

    /**
     * Runs (or resumes) the experiment in {@code runDir}, holding its {@link RunLock} throughout. A
     * directory made by a different config or an incompatible version is refused before anything
     * is written.
     *
     * @throws RunLock.HeldException when another process is working in {@code runDir}
     */
    public static void run(RunConfig cfg, Path runDir, boolean progressBars, PrintStream log, Listener listener)
            throws IOException {
        List<Device> devices = Devices.resolveAll(cfg.device());
        FineTune.checkMixedPrecision(cfg.train().mixedPrecision(), devices);
        RunManifest.checkConfig(runDir, cfg);
        RunInputs.check(cfg, runDir, devices.get(0)); // before the lock, which creates the directory
        try (RunLock lock = RunLock.acquire(runDir, log)) {
            RunInputs inputs = RunInputs.load(cfg, runDir, devices.get(0), log);
            RunManifest.createOrCheckData(runDir, cfg, inputs.checksums());
            new Experiment(cfg, runDir, inputs, devices, progressBars, log).loop(listener);
        }
    }

    private void loop(Listener listener) throws IOException {
        int generations = cfg.experiment().generations();
        RunState state = RunCheck.verify(runDir, RunCheck.readState(runDir, generations, log), generations, log);
        if (state.finished()) {
            log.println("run " + runDir + " has already finished all " + generations + " generations");
            return;
        }
        RunCheck.removeLeftovers(runDir);
        try (EventLog events = new EventLog(runDir.resolve(RunFiles.EVENTS))) {
            for (int k = 0; k < generations; k++) {
                if (state.isDone(k, RunState.Phase.TRAIN)) {
                    discardTrainingState(RunFiles.gen(runDir, k)); // left by a kill during the delete
                }
                boolean ran = false;
                for (RunState.Phase phase : RunState.Phase.values()) {
                    if (state.isDone(k, phase)) {
                        continue;
                    }
                    ran = true;
                    log.printf("generation %d/%d: %s%n", k, generations - 1, phase.id);
                    events.append("phase_start", ordered("generation", k, "phase", phase.id));
                    long start = System.nanoTime();
                    Map<String, Object> metrics = switch (phase) {
                        case TRAIN -> train(k);
                        case EVAL -> evaluate(k);
                        case CORPUS -> writeCorpus(k);
                        case SCORE -> score(k);
                    };
                    state = state.complete(k, phase, generations);
                    state.write(runDir);
                    if (phase == RunState.Phase.TRAIN) {
                        discardTrainingState(RunFiles.gen(runDir, k));
                    }
                    Map<String, Object> done = ordered("generation", k, "phase", phase.id,
                            "seconds", (System.nanoTime() - start) / 1e9);
                    done.putAll(metrics);
                    events.append("phase_done", done);
                }
                if (ran && k < generations - 1) { // the last generation's report is the end's
                    listener.generationDone(runDir, k);
                }
            }
            listener.generationDone(runDir, generations - 1);
            events.append("run_done", ordered("generations", generations));
            state.complete(RunState.END, generations).write(runDir);
        }
    }

    // ---- phases -------------------------------------------------------------------------------

    /** Fine-tune generation k; its best checkpoint becomes gen-k/model (an HF directory). */
    private Map<String, Object> train(int k) throws IOException {
        Path genDir = RunFiles.gen(runDir, k);
        ExperimentConfig e = cfg.experiment();
        TokenBlocks data = trainingData(e, runDir, inputs.train(), k);
        Path start = k > 0 && e.startFrom().equals("previous") ? RunFiles.gen(runDir, k - 1).resolve(RunFiles.MODEL)
                : runDir.resolve(RunFiles.BASE);
        FineTune.Result r;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            OptForCausalLM model = load(start, manager);
            FineTune.Output out = new FineTune.Output(genDir.resolve(RunFiles.TRAIN), runDir.resolve(RunFiles.EVENTS),
                    runDir.resolve(RunFiles.BASE), progressBars);
            r = FineTune.run(model, data, inputs.valid(), cfg.train().withSeed(Seeds.train(e.seed(), k)), out,
                    FineTune.Listener.NONE, devices);
        }
        HfModelDir.Checkpoint best = HfModelDir.read(r.bestDir());
        Path modelDir = genDir.resolve(RunFiles.MODEL);
        HfModelDir.write(modelDir, best.config(), best.tensors(), HostTensor.DType.F32, runDir.resolve(RunFiles.BASE));
        String sha = Checksums.sha256(HfModelDir.weightsFile(modelDir));
        GenerationEval.update(genDir, ev -> ev.withTrain(new GenerationEval.Train(cfg.train().epochs(), r.bestEpoch(),
                r.bestValidLoss(), data.numBlocks(), originalKept(e, inputs.train(), k, data), sha)));
        return ordered("best_valid_loss", r.bestValidLoss(), "best_epoch", r.bestEpoch(), "train_blocks", data.numBlocks());
    }

    /** Test and validation loss/perplexity of gen-k/model, and the sample continuations. */
    private Map<String, Object> evaluate(int k) throws IOException {
        Path genDir = RunFiles.gen(runDir, k);
        int batch = cfg.train().microBatch();
        Evaluator.Result test;
        Evaluator.Result valid;
        List<GenerationEval.Sample> samples;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            OptForCausalLM model = load(genDir.resolve(RunFiles.MODEL), manager);
            test = Evaluator.evaluate(model, inputs.test(), batch, n -> {});
            valid = Evaluator.evaluate(model, inputs.valid(), batch, n -> {});
            samples = Samples.continue_(model, inputs, cfg, manager);
        }
        GenerationEval.update(genDir, ev -> ev.withTest(GenerationEval.Split.of(test)).withValid(GenerationEval.Split.of(valid))
                .withSamples(samples));
        return ordered("test_loss", test.loss(), "test_corpus_ppl", test.corpusPpl(), "test_mean_batch_ppl", test.meanBatchPpl());
    }

    /** gen-k/corpus: one continuation per original training block, written by gen-k/model. */
    private Map<String, Object> writeCorpus(int k) throws IOException {
        Path genDir = RunFiles.gen(runDir, k);
        int blocks;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            OptForCausalLM model = load(genDir.resolve(RunFiles.MODEL), manager);
            blocks = CorpusStep.write(model, modelIdentity(genDir), inputs.train(), cfg.generation(), cfg.experiment(),
                    genDir.resolve(RunFiles.CORPUS), progressBars, manager);
        }
        return ordered("corpus_blocks", blocks); // its checksum is recorded by the score phase, which reads it anyway
    }

    /** Per-block perplexity of gen-k's corpus (and, for k = 0, of the original data) under generation 0. */
    private Map<String, Object> score(int k) throws IOException {
        Path genDir = RunFiles.gen(runDir, k);
        TokenBlocks corpus = CorpusStep.read(genDir.resolve(RunFiles.CORPUS));
        int batch = cfg.train().microBatch();
        Evaluator.Result scored;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            OptForCausalLM gen0 = load(RunFiles.gen(runDir, 0).resolve(RunFiles.MODEL), manager);
            scored = Evaluator.evaluate(gen0, corpus, batch, n -> {});
            if (k == 0) {
                Evaluator.Result real = Evaluator.evaluate(gen0, inputs.train(), batch, n -> {});
                PplFile.write(genDir.resolve(RunFiles.REAL_PPL), real.perSequencePpl());
            }
        }
        PplFile.write(genDir.resolve(RunFiles.CORPUS_PPL), scored.perSequencePpl());
        String sha = corpus.idsSha256();
        double mean = Arrays.stream(scored.perSequencePpl()).average().orElse(Double.NaN);
        GenerationEval.update(genDir, ev -> ev.withCorpus(new GenerationEval.Corpus(corpus.numBlocks(), sha, mean,
                scored.corpusPpl())));
        return ordered("corpus_blocks", corpus.numBlocks(), "corpus_mean_ppl_by_gen0", mean);
    }

    // ---- helpers ------------------------------------------------------------------------------

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

    /**
     * What generation k trains on. k = 0: the original blocks. Later, {@code replace}: the corpus
     * of generation k−1 with a fresh seeded share of original blocks swapped in; {@code accumulate}:
     * the original blocks followed by every corpus written so far.
     */
    static TokenBlocks trainingData(ExperimentConfig e, Path runDir, TokenBlocks original, int k) throws IOException {
        if (k == 0) {
            return original;
        }
        if (e.dataMode().equals("accumulate")) {
            List<TokenBlocks> all = new ArrayList<>();
            all.add(original);
            for (int j = 0; j < k; j++) {
                all.add(CorpusStep.read(RunFiles.gen(runDir, j).resolve(RunFiles.CORPUS)));
            }
            return Mixing.accumulate(all);
        }
        TokenBlocks previous = CorpusStep.read(RunFiles.gen(runDir, k - 1).resolve(RunFiles.CORPUS));
        return Mixing.keepOriginal(original, previous, e.keepFraction(), Seeds.mixing(e.seed(), k));
    }

    /** How many of {@code data}, generation k's training blocks, are original ones. */
    static int originalKept(ExperimentConfig e, TokenBlocks original, int k, TokenBlocks data) {
        if (k == 0) {
            return data.numBlocks();
        }
        return e.dataMode().equals("accumulate") ? original.numBlocks()
                : (int) Math.round(e.keepFraction() * original.numBlocks());
    }

    private OptForCausalLM load(Path dir, NDManager manager) throws IOException {
        HfModelDir.Checkpoint c = HfModelDir.read(dir);
        return OptForCausalLM.fromStateDict(c.config(), c.tensors(), manager, dtype);
    }

    /** A model's identity for the corpus manifest: "gen-NN/model@" + the weights' sha256 the train phase recorded. */
    private static String modelIdentity(Path genDir) throws IOException {
        return genDir.getFileName() + "/" + RunFiles.MODEL + "@" + GenerationEval.read(genDir).train().modelSha256();
    }

    static DataType dataType(String name) {
        return switch (name) {
            case "float32" -> DataType.FLOAT32;
            case "bfloat16" -> DataType.BFLOAT16;
            case "float16" -> DataType.FLOAT16;
            default -> throw new IllegalArgumentException("model.dtype: unknown '" + name + "'");
        };
    }

    static Map<String, Object> ordered(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
