package io.collapse.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.collapse.config.ConfigLoader;
import io.collapse.config.MixedPrecision;
import io.collapse.config.TrainConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.io.AtomicFiles;
import io.collapse.io.DamagedFileException;
import io.collapse.model.CausalLM;
import io.collapse.model.Scope;
import io.collapse.model.StateDict;
import io.collapse.model.hf.CheckpointException;
import io.collapse.model.hf.Safetensors;
import io.collapse.nativelib.JniRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.SplittableRandom;

/**
 * Fine-tunes an OPT model on token blocks, the paper's way: AdamW, a batch of blocks per step
 * (accumulated over micro-batches), the lr schedule, validation, best and last checkpoints, and a
 * resumable state. Reads top to bottom like nanoGPT's train.py.
 *
 * <p>Output folder: {@code best/} and {@code last/} (HF model directories: config.json,
 * model.safetensors, tokenizer files), {@code state/} (resume state, see {@link TrainState}).
 *
 * <p>Determinism: epoch e visits the blocks in a Fisher–Yates order drawn from
 * {@code SplittableRandom(mix(seed, e))}; before every optimizer step libtorch's generator is
 * reseeded with {@code mix(seed, step)}, so dropout masks depend on (seed, step) only. A run on
 * CPU with the same seed and data gives the same losses bit for bit, resumed or not.
 */
public final class FineTune {

    /** Receives every event also written to events.jsonl (the names are {@link TrainEvent}). */
    @FunctionalInterface
    public interface Listener {
        void onEvent(Map<String, Object> event);

        /**
         * Once a start is accepted (the resume checks passed) and has steps to run, before the first:
         * where a caller records what it knows of the start (its platform) through {@code append},
         * which writes events.jsonl.
         */
        default void onStart(BiConsumer<String, Map<String, Object>> append) throws IOException {}

        Listener NONE = event -> {};
    }

    /**
     * What a run produced.
     *
     * @param stepLosses the mean loss of every optimizer step run by this call (a resumed call
     *     holds only the steps after the resume point)
     */
    public record Result(
            double bestValidLoss, int bestEpoch, long bestStep, long steps,
            List<Double> stepLosses, List<TrainState.Validation> history, Path bestDir, Path lastDir) {}

    /**
     * Where a run writes.
     *
     * @param dir gets {@code best/}, {@code last/} and {@code state/}
     * @param eventsFile events.jsonl, appended to
     * @param sourceDir the model directory whose tokenizer files and generation_config.json are copied into best/
     *     and last/ (null: the bundled OPT-125m tokenizer)
     * @param progressBar draw a console progress bar
     * @param log where a start says what it could not use (a damaged checkpoint), as a {@code warning:} line
     */
    public record Output(Path dir, Path eventsFile, Path sourceDir, boolean progressBar, PrintWriter log) {

        /** Everything under {@code dir}, events in {@code dir/events.jsonl}, no progress bar, no warnings. */
        public static Output quiet(Path dir) {
            return new Output(dir, dir.resolve("events.jsonl"), null, false, new PrintWriter(Writer.nullWriter()));
        }
    }

    private FineTune() {}

    /**
     * Trains {@code model} in place and leaves the best-by-validation weights in
     * {@code out.dir()/best}. Continues from {@code out.dir()/state} when a previous run with the
     * same config and data left one there.
     *
     * @throws TrainingDivergedException when the loss or the gradient norm is not finite
     */
    public static Result run(CausalLM model, TokenBlocks train, TokenBlocks valid, TrainConfig config,
            Output out, Listener listener) throws IOException {
        return run(model, train, valid, config, out, listener, List.of(model.device()));
    }

    /**
     * As {@link #run(CausalLM, TokenBlocks, TokenBlocks, TrainConfig, Output, Listener)},
     * data-parallel over {@code devices} (the first must hold {@code model}): a replica of the model
     * on every other device, each micro-batch split into contiguous row ranges, one per replica,
     * their gradients summed on the first device, one optimizer step there, the new weights copied
     * to the replicas. With dropout on, the masks differ from a one-device run (as in torch DDP).
     */
    public static Result run(CausalLM model, TokenBlocks train, TokenBlocks valid, TrainConfig config,
            Output out, Listener listener, List<Device> devices) throws IOException {
        Path outDir = out.dir();
        if (devices.isEmpty() || !devices.get(0).equals(model.device())) {
            throw new IllegalArgumentException("the first training device must hold the model (" + model.device()
                    + "), got " + devices);
        }
        checkMixedPrecision(config.mixedPrecision(), devices);
        if (train.numBlocks() == 0 || valid.numBlocks() == 0) {
            throw new IllegalArgumentException("fine-tuning needs training and validation blocks, got "
                    + train.numBlocks() + " and " + valid.numBlocks());
        }
        train.checkFitsVocab(model.config().vocabSize());
        valid.checkFitsVocab(model.config().vocabSize());
        Checkpointer.checkOutDir(outDir);
        if (model.dataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("training keeps float32 master weights but the model's parameters are "
                    + model.dataType() + "; load the model in float32 to train it");
        }
        if (valid.blockSize() != train.blockSize()) {
            throw new IllegalArgumentException("validation blocks have " + valid.blockSize()
                    + " tokens, training blocks " + train.blockSize());
        }
        long totalSteps = EpochLoop.totalSteps(train, config);
        Path stateDir = outDir.resolve("state");
        // Under the model's manager: every array the run holds counts in that manager's arrays.
        try (Scope root = model.newScope();
                AdamW optimizer = AdamW.of(config, root.manager());
                EventLog events = new EventLog(out.eventsFile());
                Progress progress = new Progress(out.progressBar(), totalSteps)) {
            Emitter emit = (event, fields) -> listener.onEvent(events.append(event, fields));
            TrainState fresh = TrainState.start(config, train.idsSha256(), valid.idsSha256(), model.weightsSha256());
            TrainState state = resumeOrStart(model, optimizer, fresh, stateDir, emit, out.log());
            Checkpointer.settlePendingBest(outDir, state);
            if (!state.finished()) {
                listener.onStart(emit::emit);
            }
            // Made after any resume load: a ParameterStore caches the arrays it has handed out,
            // and the workers copy the weights as they are now.
            ParameterStore ps = new ParameterStore(root.manager(), false);
            LossScaler scaler = config.mixedPrecision() == MixedPrecision.FP16
                    ? new LossScaler(state.lossScale() != null ? state.lossScale() : config.lossScaleInit(),
                            state.lossScaleGoodSteps(), config.lossScaleGrowthInterval())
                    : null;
            Run run = new Run(model, config, optimizer, scaler, out, emit);
            Checkpointer checkpointer = new Checkpointer(run, valid, state.history());
            List<Double> stepLosses = new ArrayList<>();
            progress.resumeAt(state.globalStep());
            try (Workers workers = Workers.of(model, trainableParameters(model), root, ps, devices,
                    computeType(config.mixedPrecision()))) {
                EpochLoop loop = new EpochLoop(run, train, workers, checkpointer, progress);
                for (int epoch = state.epoch(); epoch < config.epochs() && !state.finished(); epoch++) {
                    state = loop.run(epoch, state, stepLosses);
                }
            }
            emit.emit(TrainEvent.DONE.id(), ConfigLoader.fields("steps", state.globalStep(), "best_valid_loss", state.bestValidLoss(),
                    "best_epoch", state.bestEpoch(), "best_step", state.bestStep()));
            return new Result(state.bestValidLoss(), state.bestEpoch(), state.bestStep(), state.globalStep(),
                    stepLosses, checkpointer.history(), outDir.resolve(Checkpointer.BEST), outDir.resolve(Checkpointer.LAST));
        }
    }

    /** Continues from the last committed checkpoint of the same config and data as {@code fresh}, or starts. */
    private static TrainState resumeOrStart(CausalLM model, AdamW optimizer, TrainState fresh, Path stateDir,
            Emitter emit, PrintWriter log) throws IOException {
        TrainState state;
        try {
            state = TrainState.readIfPresent(stateDir);
            if (state == null) {
                return fresh;
            }
            checkResumable(state, fresh, stateDir);
            state = state.toBuilder(fresh.config()).build(); // the micro-batch may have changed
            state.removeUnreferenced(stateDir); // a write that failed after the last commit
            state.checkFiles(stateDir);
        } catch (CheckpointException | DamagedFileException damaged) { // a weight file's, or state.json's own
            // Loaded, it would go on from other weights than the run had, without a word. Training
            // again from the start reaches the uninterrupted run's result; the state is kept aside.
            Path aside = AtomicFiles.keepAside(stateDir.resolve(TrainState.FILE));
            emit.emit(TrainEvent.CHECKPOINT_DAMAGED.id(), Map.of("error", damaged.getMessage(), "kept_as", aside.getFileName().toString()));
            log.println("warning: " + damaged.getMessage() + "; its state is kept as " + aside + ", and training starts"
                    + " again from the beginning");
            log.flush();
            return fresh;
        }
        model.loadStateDict(Safetensors.read(stateDir.resolve(state.weights())), model.manager(), model.dataType());
        Path optimizerFile = stateDir.resolve(state.optimizer());
        optimizer.load(Safetensors.read(optimizerFile), savedStepCount(optimizerFile), trainableParameters(model));
        emit.emit(TrainEvent.RESUME.id(), Map.of("epoch", state.epoch(), "step", state.globalStep()));
        return state;
    }

    /**
     * AdamW's own step count, saved beside its moments: fewer than the global step when fp16 skipped
     * steps (their bias corrections must go on from the steps applied, as an uninterrupted run's do).
     */
    private static long savedStepCount(Path optimizerFile) throws IOException {
        String step = Safetensors.metadata(optimizerFile).get(Checkpointer.STEP_COUNT);
        try {
            return Long.parseLong(step);
        } catch (NumberFormatException e) {
            throw new CheckpointException(optimizerFile, "metadata '" + Checkpointer.STEP_COUNT
                    + "' must be AdamW's step count, got " + step);
        }
    }

    /**
     * Refuses a state written for another train config, other training/validation blocks or other
     * starting weights. The micro-batch may differ: it only splits each optimizer step's batch (a run
     * that ran out of memory continues with smaller ones).
     */
    private static void checkResumable(TrainState state, TrainState fresh, Path stateDir) {
        List<String> changed = ConfigLoader.differences(ConfigLoader.JSON.valueToTree(state.config()),
                ConfigLoader.JSON.valueToTree(fresh.config()), "train").stream()
                .filter(d -> !d.startsWith("train.micro_batch: ")).toList();
        if (!changed.isEmpty()) {
            throw new IllegalStateException(stateDir.resolve(TrainState.FILE) + " was written with another train config ("
                    + String.join(", ", changed) + "); only the micro-batch may change. Use a fresh output folder.");
        }
        if (!state.trainSha256().equals(fresh.trainSha256()) || !state.validSha256().equals(fresh.validSha256())) {
            throw new IllegalStateException(stateDir.resolve(TrainState.FILE)
                    + " was written for other training/validation blocks (sha256 differs); use a fresh output folder.");
        }
        if (state.startWeightsSha256() != null && !state.startWeightsSha256().equals(fresh.startWeightsSha256())) {
            throw new IllegalStateException(stateDir.resolve(TrainState.FILE) + " was written by a training that started"
                    + " from other weights (sha256 " + state.startWeightsSha256() + ", this model's " + fresh.startWeightsSha256()
                    + "); use a fresh output folder.");
        }
    }

    /**
     * Refuses an output folder where fine-tuning would lose the user's files (see
     * {@link Checkpointer#checkOutDir}); {@link #run} checks it too, a command may first.
     */
    public static void checkOutDir(Path dir) throws IOException {
        Checkpointer.checkOutDir(dir);
    }

    /** The system property that lets fp16 mixed precision run on the CPU (slow; for tests). */
    public static final String FP16_ON_CPU = "collapse.fp16_on_cpu";

    /** Refuses, before anything runs, a mixed-precision mode the devices cannot do. */
    public static void checkMixedPrecision(MixedPrecision mode, List<Device> devices) {
        boolean onCpu = devices.stream().anyMatch(d -> d.getDeviceType().equals(Device.Type.CPU));
        if (mode == MixedPrecision.BF16 && !JniRecord.bfloat16()) {
            throw new IllegalArgumentException("train.mixed_precision=bf16 needs the JNI that `collapse native build` makes"
                    + " (DJL 0.36's own has no bfloat16 and aborts the JVM converting to it); use mixed_precision=fp16 or off");
        }
        if (mode == MixedPrecision.FP16 && onCpu && !Boolean.getBoolean(FP16_ON_CPU)) {
            throw new IllegalArgumentException("train.mixed_precision=fp16 is for GPUs (devices " + devices
                    + "); on the CPU use mixed_precision=off, or -D" + FP16_ON_CPU + "=true to force it (slow, for tests)");
        }
    }

    /** The dtype the forward and backward compute in under {@code mixedPrecision}. */
    public static DataType computeType(MixedPrecision mixedPrecision) {
        return switch (mixedPrecision) {
            case FP16 -> DataType.FLOAT16;
            case BF16 -> DataType.BFLOAT16;
            case OFF -> DataType.FLOAT32;
        };
    }

    /** HF parameter name → array, each parameter once (the tied LM head is embed_tokens). */
    static Map<String, NDArray> trainableParameters(CausalLM model) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : StateDict.parameters(model).entrySet()) {
            if (e.getValue().requiresGradient()) {
                out.put(e.getKey(), e.getValue().getArray());
            }
        }
        return out;
    }

    /** The block order of an epoch: Fisher–Yates over SplittableRandom(mix(seed, epoch)). */
    static int[] epochOrder(int numBlocks, long seed, int epoch) {
        int[] order = new int[numBlocks];
        for (int i = 0; i < numBlocks; i++) {
            order[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(mix(seed, epoch));
        for (int i = numBlocks - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** A 64-bit mix (splitmix64 finaliser) so that (seed, n) pairs do not collide as seed + n would. */
    static long mix(long seed, long n) {
        long z = seed * 0x9E3779B97F4A7C15L + n + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * What the parts of one run share, made once by {@link #run}: the epoch loop and the
     * checkpointer read it.
     *
     * @param scaler fp16's loss scaler, or null
     */
    record Run(CausalLM model, TrainConfig config, AdamW optimizer, LossScaler scaler, Output out, Emitter emit) {}

    /** Appends an event to events.jsonl and tells the listener. */
    @FunctionalInterface
    interface Emitter {
        void emit(String event, Map<String, Object> fields);
    }
}
