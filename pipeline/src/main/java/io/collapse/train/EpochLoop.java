package io.collapse.train;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.collapse.config.ConfigLoader;
import io.collapse.config.TrainConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.model.Scope;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One epoch of fine-tuning, step by step: the batch's forward and backward, the optimizer update,
 * the step's log line, and the mid-epoch and end-of-epoch checkpoints. Everything it works with
 * is made once per run by {@link FineTune}.
 */
final class EpochLoop {

    private final TokenBlocks train;
    private final TrainConfig config;
    private final LrSchedule schedule;
    private final int stepsPerEpoch;
    private final Workers workers;
    private final AdamW optimizer;
    private final LossScaler scaler; // or null
    private final Checkpointer checkpointer;
    private final Progress progress;
    private final FineTune.Emitter emit;

    EpochLoop(FineTune.Run run, TokenBlocks train, Workers workers, Checkpointer checkpointer, Progress progress) {
        this.train = train;
        this.config = run.config();
        this.stepsPerEpoch = stepsPerEpoch(train, config);
        this.schedule = new LrSchedule(config, totalSteps(train, config));
        this.workers = workers;
        this.optimizer = run.optimizer();
        this.scaler = run.scaler();
        this.checkpointer = checkpointer;
        this.progress = progress;
        this.emit = run.emit();
    }

    /** Optimizer steps per epoch: the last batch may be short, as with drop_last=False. */
    static int stepsPerEpoch(TokenBlocks train, TrainConfig config) {
        return (train.numBlocks() + config.batchSize() - 1) / config.batchSize();
    }

    /** Optimizer steps of the whole run. */
    static long totalSteps(TokenBlocks train, TrainConfig config) {
        return (long) stepsPerEpoch(train, config) * config.epochs();
    }

    /**
     * Runs {@code epoch} from where {@code state} stands (its start, or the step a resumed state
     * names) and returns the state its end-of-epoch checkpoint committed.
     *
     * @param stepLosses receives the mean loss of every step run
     */
    TrainState run(int epoch, TrainState state, List<Double> stepLosses) throws IOException {
        int[] order = FineTune.epochOrder(train.numBlocks(), config.seed(), epoch);
        // The state stands at this epoch: its start (after the previous end-of-epoch checkpoint), or
        // the mid-epoch checkpoint a resumed run continues from.
        long step = state.globalStep();
        double epochLossSum = state.epochLossSum();
        int epochSteps = state.epochSteps();
        double windowLossSum = 0; // since the last validation, which is also the last checkpoint
        int windowSteps = 0;
        for (int s = state.stepInEpoch(); s < stepsPerEpoch; s++, step++) {
            double loss = step(order, epoch, step, s);
            stepLosses.add(loss);
            if (Double.isFinite(loss)) { // a skipped fp16 step still measured the loss, unless it overflowed
                epochLossSum += loss;
                epochSteps++;
                windowLossSum += loss;
                windowSteps++;
            }
            boolean endOfEpoch = s == stepsPerEpoch - 1;
            if (!endOfEpoch && config.validEveryNSteps() > 0 && (step + 1) % config.validEveryNSteps() == 0) {
                state = checkpointer.validateAndSave(state, new TrainState.Position(epoch, s + 1, step + 1,
                        epochLossSum, epochSteps), windowLossSum / windowSteps, false);
                windowLossSum = 0;
                windowSteps = 0;
            }
        }
        // End of epoch: validate, keep the best, write last and the resume state.
        state = checkpointer.validateAndSave(state, new TrainState.Position(epoch + 1, 0, step, 0, 0),
                windowLossSum / windowSteps, epoch == config.epochs() - 1);
        List<TrainState.Validation> history = checkpointer.history();
        emit.emit(TrainEvent.EPOCH.id(), ConfigLoader.fields("epoch", epoch, "step", step, "train_loss", epochLossSum / epochSteps,
                "valid_loss", history.get(history.size() - 1).validLoss(), "best_valid_loss", state.bestValidLoss()));
        return state;
    }

    /** Optimizer step {@code step} (the {@code s}-th of the epoch); returns its mean loss. */
    private double step(int[] order, int epoch, long step, int s) {
        long startNanos = System.nanoTime();
        double lr = schedule.lr(epoch, step);
        JniUtils.setSeed(FineTune.mix(config.seed(), step)); // dropout masks from (seed, step) only
        int from = s * config.batchSize();
        int to = Math.min(from + config.batchSize(), train.numBlocks());
        double lossScale = scaler == null ? 1 : scaler.scale();
        Backward.Result b = Backward.run(workers, new Batch(train, order, from, to), config.microBatch(), scaler);
        if (!Double.isFinite(b.loss()) && scaler == null) {
            throw new TrainingDivergedException("the training loss", epoch, step, b.loss());
        }
        Update u = update(b, lossScale, lr, epoch, step);
        double tokensPerSecond = (to - from) * (double) train.blockSize() / ((System.nanoTime() - startNanos) / 1e9);
        progress.step(epoch, config.epochs(), step + 1, b.loss(), tokensPerSecond);
        if ((step + 1) % config.logEverySteps() == 0) {
            emit.emit(TrainEvent.STEP.id(), stepFields(epoch, step, lr, u, tokensPerSecond));
        }
        return b.loss();
    }

    /**
     * What an optimizer step did.
     *
     * @param loss the batch's mean loss
     * @param lossScale fp16's loss scale the step ran with (1 without a scaler)
     * @param gradNorm the gradient norm before clipping
     * @param applied whether the weights were updated (fp16 skips a step whose gradients overflowed)
     */
    private record Update(double loss, double lossScale, double gradNorm, boolean applied) {}

    /**
     * Gathers the float32 gradients of the master weights, clips them, updates (unless fp16
     * overflowed), clears the workers' gradients and copies the new weights to them.
     */
    private Update update(Backward.Result b, double lossScale, double lr, int epoch, long step) {
        try (Scope scope = workers.borrowParameters()) {
            Map<String, NDArray> grads = workers.masterGradients(1 / lossScale, b.ran());
            double gradNorm = Gradients.clipGradNorm(grads.values(), config.maxGradNorm());
            boolean applied = true;
            if (scaler != null) {
                applied = scaler.update(Double.isFinite(gradNorm) && Double.isFinite(b.loss()));
                if (scaler.scale() < LossScaler.MIN_SCALE) {
                    throw new TrainingDivergedException("the fp16 loss scale", epoch, step, scaler.scale());
                }
            } else if (!Double.isFinite(gradNorm)) {
                throw new TrainingDivergedException("the gradient norm", epoch, step, gradNorm);
            }
            if (applied) {
                optimizer.step(workers.master(), grads, lr);
            }
            workers.zeroGradients(b.ran());
            if (applied) {
                workers.copyWeights();
            }
            return new Update(b.loss(), lossScale, gradNorm, applied);
        }
    }

    private Map<String, Object> stepFields(int epoch, long step, double lr, Update u, double tokensPerSecond) {
        Map<String, Object> fields = ConfigLoader.fields("epoch", epoch, "step", step + 1, "loss", u.loss(), "lr", lr,
                "grad_norm", u.gradNorm(), "tokens_per_s", tokensPerSecond);
        if (scaler != null) {
            fields.put("loss_scale", u.lossScale());
            fields.put("skipped", !u.applied());
        }
        return fields;
    }
}
