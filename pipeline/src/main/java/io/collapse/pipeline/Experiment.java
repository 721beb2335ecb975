package io.collapse.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.config.ConfigLoader;
import io.collapse.config.DataMode;
import io.collapse.config.ExperimentConfig;
import io.collapse.config.GenerationConfig;
import io.collapse.config.RunConfig;
import io.collapse.config.StartFrom;
import io.collapse.config.Strategy;
import io.collapse.data.Mixing;
import io.collapse.data.TokenBlocks;
import io.collapse.eval.Evaluator;
import io.collapse.eval.PplFile;
import io.collapse.generate.CorpusProgress;
import io.collapse.generate.Generator;
import io.collapse.generate.SyntheticCorpus;
import io.collapse.io.Checksums;
import io.collapse.model.CausalLM;
import io.collapse.model.Devices;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import io.collapse.train.EventLog;
import io.collapse.train.FineTune;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

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

    /**
     * The progress a run shows, drawn by the caller (cli/): training's bar, and one corpus bar per
     * corpus phase, made from the tokens per block and closed when the phase ends.
     */
    public record Bars(boolean training, IntFunction<CorpusProgress> corpus) {
        public static final Bars NONE = new Bars(false, tokensPerBlock -> CorpusProgress.NONE);
    }

    private final RunConfig cfg;
    private final RunManifest manifest; // run.json as this start found or made it; not updated by its memory changes
    private final Path runDir;
    private final RunInputs inputs;
    private final Device device; // the model's: evaluation, generation, the first training replica
    private final List<Device> devices; // training, data-parallel when more than one
    private final int meanBatch; // blocks per batch of the mean-batch perplexity: the micro-batch the run began with
    private final Bars bars;
    private final PrintWriter log;

    private Experiment(RunConfig cfg, RunManifest manifest, Path runDir, RunInputs inputs, List<Device> devices, Bars bars,
            PrintWriter log) throws IOException {
        this.cfg = cfg;
        this.runDir = runDir;
        this.inputs = inputs;
        this.device = devices.get(0);
        this.devices = devices;
        this.manifest = manifest;
        this.meanBatch = manifest.startedWith(RunManifest.MICRO_BATCH).asInt();
        this.bars = bars;
        this.log = log;
    }

    /**
     * Runs (or resumes) the experiment in {@code runDir}, holding its {@link RunLock} throughout. A
     * directory made by a different config or an incompatible version is refused before anything
     * is written.
     *
     * @param memoryOverrides the {@code --set}s of {@link RunManifest#MEMORY_SETTINGS}: a continuing
     *     run takes them; its other settings stay as its run.json has them
     * @throws RunLock.HeldException when another process is working in {@code runDir}
     */
    public static void run(RunConfig requested, List<String> memoryOverrides, Path runDir, Bars bars, PrintWriter log,
            Listener listener) throws IOException {
        RunConfig cfg = RunManifest.effectiveConfig(runDir, requested, memoryOverrides, log);
        List<Device> devices = Devices.resolveAll(cfg.device());
        FineTune.checkMixedPrecision(cfg.train().mixedPrecision(), devices);
        RunInputs.check(cfg, runDir, devices.get(0)); // before the lock, which creates the directory
        try (RunLock lock = RunLock.acquire(runDir, log)) {
            // Again under the lock: another process may have made run.json since the check above. Read once here.
            RunManifest stored = RunManifest.read(runDir);
            RunConfig checked = RunManifest.effectiveConfig(runDir, stored, requested, memoryOverrides,
                    new PrintWriter(Writer.nullWriter()));
            RunInputs inputs = RunInputs.load(checked, runDir, devices.get(0), log);
            RunManifest manifest = RunManifest.createOrCheckData(runDir, stored, checked, inputs.checksums());
            new Experiment(checked, manifest, runDir, inputs, devices, bars, log).loop(listener);
        }
    }

    private void loop(Listener listener) throws IOException {
        int generations = cfg.experiment().generations();
        RunState state = RunCheck.verify(runDir, RunCheck.readState(runDir, generations, log), generations, log);
        if (state.finished()) {
            log.println("run " + runDir + " has already finished all " + generations + " generations"
                    + (manifest.memoryChanges(cfg).isEmpty() ? "" : "; --set changes nothing"));
            return;
        }
        manifest.checkContinuable(runDir);
        RunCheck.removeLeftovers(runDir);
        try (EventLog events = new EventLog(runDir.resolve(RunFiles.EVENTS))) {
            RunPlatform.recordStart(runDir.resolve(RunFiles.EVENTS), devices, log, events::append);
            recordMemoryChanges(events);
            for (int k = 0; k < generations; k++) {
                Path genDir = RunFiles.gen(runDir, k);
                if (state.isDone(k, RunState.Phase.TRAIN)) {
                    RunCheck.discardTrainingState(genDir); // left by a kill during the delete
                }
                boolean ran = false;
                for (RunState.Phase phase : RunState.Phase.values()) {
                    if (!state.isDone(k, phase)) {
                        state = runUnit(k, phase, state, events);
                        ran = true;
                    }
                }
                if (ran && k < generations - 1) { // the last generation's report is the end's
                    listener.generationDone(runDir, k);
                }
            }
            listener.generationDone(runDir, generations - 1);
            events.append(RunEvent.RUN_DONE.id(), ConfigLoader.fields("generations", generations));
            state.complete(RunState.END, generations).write(runDir);
        }
    }

    /**
     * One phase of one generation: its events around it, and the state after it written. A redo
     * (later units already done from what it rewrites) records what it is redoing first, so a kill
     * during it is still a redo at the next start, then discards what depended on a changed result.
     */
    private RunState runUnit(int k, RunState.Phase phase, RunState state, EventLog events) throws IOException {
        int generations = cfg.experiment().generations();
        Path genDir = RunFiles.gen(runDir, k);
        log.printf("generation %d/%d: %s%n", k, generations - 1, phase.id);
        events.append(RunEvent.PHASE_START.id(), ConfigLoader.fields("generation", k, "phase", phase.id));
        long start = System.nanoTime();
        List<String> madeFromIt = state.doneAfter(k, phase, generations);
        String used = null;
        if (!madeFromIt.isEmpty()) { // recorded first: the redo rewrites what usedBy reads (a kill may follow)
            String unit = RunState.unit(k, phase);
            RunState.Redo begun = state.redoOf(unit);
            used = begun != null ? begun.madeFrom() : RunCheck.usedBy(genDir, phase);
            state = state.redoing(unit, used);
            state.write(runDir);
        }
        Map<String, Object> metrics = runPhase(k, phase, events, start);
        state = state.complete(k, phase, generations);
        if (!madeFromIt.isEmpty()) {
            state = RunCheck.redoIfChanged(genDir, k, phase, used, madeFromIt, state, generations, log);
        }
        state.write(runDir);
        if (phase == RunState.Phase.TRAIN) {
            RunCheck.discardTrainingState(genDir);
        }
        Map<String, Object> done = ConfigLoader.fields("generation", k, "phase", phase.id,
                "seconds", (System.nanoTime() - start) / 1e9);
        done.putAll(metrics);
        events.append(RunEvent.PHASE_DONE.id(), done);
        return state;
    }

    /**
     * The memory settings this start changes: an event each, then run.json (a kill between them
     * repeats the events at the next start, never loses them), and a note for the user.
     */
    private void recordMemoryChanges(EventLog events) throws IOException {
        List<RunManifest.Change> changes = manifest.memoryChanges(cfg);
        for (RunManifest.Change c : changes) {
            events.append(RunEvent.CONFIG_CHANGED.id(), ConfigLoader.fields("setting", c.setting(), "from", c.from(), "to", c.to()));
        }
        manifest.recordChanges(runDir, cfg, changes);
        for (RunManifest.Change c : changes) {
            log.println("note: continuing with " + c + "; from here on the run's bits may differ from an uninterrupted run's");
        }
    }

    // ---- phases -------------------------------------------------------------------------------

    /** Runs one phase; a failure is recorded in events.jsonl, and running out of memory says what to lower. */
    private Map<String, Object> runPhase(int k, RunState.Phase phase, EventLog events, long start) throws IOException {
        try {
            return switch (phase) {
                case TRAIN -> train(k);
                case EVAL -> evaluate(k);
                case CORPUS -> writeCorpus(k);
                case SCORE -> score(k);
            };
        } catch (IOException | RuntimeException | OutOfMemoryError e) { // the JVM's too: host copies live in its heap
            IOException advice = PhaseFailure.advice(cfg, runDir, k, phase, e);
            PhaseFailure.record(events, k, phase, (System.nanoTime() - start) / 1e9, advice != null ? advice : e);
            if (advice != null) {
                throw advice;
            }
            throw e;
        }
    }

    /** Fine-tune generation k; its best checkpoint becomes gen-k/model (an HF directory). */
    private Map<String, Object> train(int k) throws IOException {
        Path genDir = RunFiles.gen(runDir, k);
        HfModelDir.checkReplaceable(genDir.resolve(RunFiles.MODEL)); // refused now, not after the training
        ExperimentConfig e = cfg.experiment();
        TokenBlocks data = trainingData(e, runDir, inputs.train(), k);
        Path start = k > 0 && e.startFrom() == StartFrom.PREVIOUS ? RunFiles.gen(runDir, k - 1).resolve(RunFiles.MODEL)
                : runDir.resolve(RunFiles.BASE);
        FineTune.Result r;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            CausalLM model = load(start, manager);
            FineTune.Output out = new FineTune.Output(genDir.resolve(RunFiles.TRAIN), runDir.resolve(RunFiles.EVENTS),
                    runDir.resolve(RunFiles.BASE), bars.training(), log);
            r = FineTune.run(model, data, inputs.valid(), cfg.train().withSeed(Seeds.train(e.seed(), k)), out,
                    FineTune.Listener.NONE, devices);
        }
        HfModelDir.Checkpoint best = HfModelDir.read(r.bestDir());
        Path modelDir = genDir.resolve(RunFiles.MODEL);
        HfModelDir.write(modelDir, best.config(), best.tensors(), HostTensor.DType.F32, runDir.resolve(RunFiles.BASE));
        String sha = Checksums.sha256(HfModelDir.weightsFile(modelDir));
        GenerationRecord.update(genDir, ev -> ev.withTrain(new GenerationRecord.Train(cfg.train().epochs(), r.bestEpoch(),
                r.bestValidLoss(), data.numBlocks(), originalKept(e, inputs.train(), k, data), sha)));
        return ConfigLoader.fields("best_valid_loss", r.bestValidLoss(), "best_epoch", r.bestEpoch(), "train_blocks", data.numBlocks());
    }

    /** Test and validation loss/perplexity of gen-k/model, and the sample continuations. */
    private Map<String, Object> evaluate(int k) throws IOException {
        Path genDir = RunFiles.gen(runDir, k);
        int batch = cfg.train().microBatch();
        Evaluator.Result test;
        Evaluator.Result valid;
        List<GenerationRecord.Sample> samples;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Path modelDir = genDir.resolve(RunFiles.MODEL);
            CausalLM model = load(modelDir, manager);
            test = Evaluator.evaluate(model, inputs.test(), batch, meanBatch, n -> {});
            valid = Evaluator.evaluate(model, inputs.valid(), batch, meanBatch, n -> {});
            samples = Samples.continue_(generator(modelDir, model, Seeds.samples(cfg.experiment().seed(), k)), inputs,
                    cfg.experiment(), manager);
        }
        GenerationRecord.update(genDir, ev -> ev.withTest(GenerationRecord.Split.of(test))
                .withValid(GenerationRecord.Split.of(valid)).withSamples(samples));
        return ConfigLoader.fields("test_loss", test.loss(), "test_corpus_ppl", test.corpusPpl(), "test_mean_batch_ppl", test.meanBatchPpl());
    }

    /** gen-k/corpus: one continuation per original training block, written by gen-k/model. */
    private Map<String, Object> writeCorpus(int k) throws IOException {
        Path genDir = RunFiles.gen(runDir, k);
        RunCheck.setAsideStaleCorpus(genDir, log);
        int blocks;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            Path modelDir = genDir.resolve(RunFiles.MODEL);
            ExperimentConfig e = cfg.experiment();
            try (CorpusProgress progress = corpusProgress()) {
                Generator generator = generator(modelDir, load(modelDir, manager), Seeds.corpus(e.seed(), k));
                blocks = SyntheticCorpus.write(genDir.resolve(RunFiles.CORPUS), generator,
                        inputs.train(), GenerationRecord.modelIdentity(genDir), e.corpusShardBlocks(), e.corpusBatch(), manager,
                        progress).blocks();
            }
        }
        return ConfigLoader.fields("corpus_blocks", blocks); // its checksum is recorded by the score phase, which reads it anyway
    }

    /**
     * The run's decoding settings drawing from {@code seed}. Only sampling draws: beam search and
     * greedy keep the config's seed, so their corpus manifests read as they did before 0.3.0.
     */
    private GenerationConfig decoding(long seed) {
        GenerationConfig g = cfg.generation();
        return g.strategy() == Strategy.SAMPLE ? g.withSeed(seed) : g;
    }

    /** The corpus bar, if any, and a line in the log when a resumed corpus has a damaged shard. */
    private CorpusProgress corpusProgress() {
        CorpusProgress bar = bars.corpus().apply(cfg.generation().maxNewTokens());
        return new CorpusProgress() {
            @Override
            public void blocksDone(int done, int total) {
                bar.blocksDone(done, total);
            }

            @Override
            public void shardWritten(int shard, int shards) {
                bar.shardWritten(shard, shards);
            }

            @Override
            public void rewritingFrom(int shard, String why) {
                log.println("warning: " + why + "; rewriting the corpus from shard " + shard);
                log.flush();
            }

            @Override
            public void close() {
                bar.close();
            }
        };
    }

    /** Per-block perplexity of gen-k's corpus (and, for k = 0, of the original data) under generation 0. */
    private Map<String, Object> score(int k) throws IOException {
        Path genDir = RunFiles.gen(runDir, k);
        TokenBlocks corpus = SyntheticCorpus.read(genDir.resolve(RunFiles.CORPUS));
        int batch = cfg.train().microBatch();
        Evaluator.Result scored;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            CausalLM gen0 = load(RunFiles.gen(runDir, 0).resolve(RunFiles.MODEL), manager);
            scored = Evaluator.evaluate(gen0, corpus, batch, meanBatch, n -> {});
            if (k == 0) {
                Evaluator.Result real = Evaluator.evaluate(gen0, inputs.train(), batch, meanBatch, n -> {});
                PplFile.write(genDir.resolve(RunFiles.REAL_PPL), real.perSequencePpl());
            }
        }
        PplFile.write(genDir.resolve(RunFiles.CORPUS_PPL), scored.perSequencePpl());
        String sha = corpus.idsSha256();
        double mean = Arrays.stream(scored.perSequencePpl()).average().orElse(Double.NaN);
        GenerationRecord.update(genDir, ev -> ev.withCorpus(new GenerationRecord.CorpusScore(corpus.numBlocks(), sha, mean,
                scored.corpusPpl())));
        return ConfigLoader.fields("corpus_blocks", corpus.numBlocks(), "corpus_mean_ppl_by_gen0", mean);
    }

    // ---- helpers ------------------------------------------------------------------------------

    /**
     * What generation k trains on. k = 0: the original blocks. Later, {@code replace}: the corpus
     * of generation k−1 with a fresh seeded share of original blocks swapped in; {@code accumulate}:
     * the original blocks followed by every corpus written so far.
     */
    static TokenBlocks trainingData(ExperimentConfig e, Path runDir, TokenBlocks original, int k) throws IOException {
        if (k == 0) {
            return original;
        }
        if (e.dataMode() == DataMode.ACCUMULATE) {
            List<TokenBlocks> all = new ArrayList<>();
            all.add(original);
            for (int j = 0; j < k; j++) {
                all.add(SyntheticCorpus.read(RunFiles.gen(runDir, j).resolve(RunFiles.CORPUS)));
            }
            return Mixing.accumulate(all);
        }
        TokenBlocks previous = SyntheticCorpus.read(RunFiles.gen(runDir, k - 1).resolve(RunFiles.CORPUS));
        return Mixing.keepOriginal(original, previous, e.keepFraction(), Seeds.mixing(e.seed(), k));
    }

    /** How many of {@code data}, generation k's training blocks, are original ones. */
    static int originalKept(ExperimentConfig e, TokenBlocks original, int k, TokenBlocks data) {
        if (k == 0) {
            return data.numBlocks();
        }
        return e.dataMode() == DataMode.ACCUMULATE ? original.numBlocks()
                : (int) Math.round(e.keepFraction() * original.numBlocks());
    }

    /** The run's decoding with {@code seed}, stopping at the ids of the model's generation_config.json, if any, as HF's generate. */
    private Generator generator(Path modelDir, CausalLM model, long seed) throws IOException {
        return new Generator(model, decoding(seed), HfModelDir.specialTokens(modelDir, model.config()));
    }

    /** Every generation's model is float32: RunConfig refuses another model.dtype, as training keeps float32 weights. */
    private CausalLM load(Path dir, NDManager manager) throws IOException {
        return AutoModelForCausalLM.fromPretrained(dir, manager, DataType.FLOAT32);
    }

}
