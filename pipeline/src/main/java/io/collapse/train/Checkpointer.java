package io.collapse.train;

import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.collapse.config.TrainConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.model.CausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A validation and the checkpoint after it: {@code best/} when the validation loss improves,
 * {@code last/}, then the resume state (weights and AdamW moments first, state.json last).
 */
final class Checkpointer {

    private final CausalLM model;
    private final ParameterStore ps;
    private final NDManager root;
    private final TokenBlocks valid;
    private final TrainConfig config;
    private final AdamW optimizer;
    private final LossScaler scaler; // or null
    private final FineTune.Output out;
    private final FineTune.Emitter emit;
    private final List<TrainState.Validation> history;

    Checkpointer(CausalLM model, ParameterStore ps, NDManager root, TokenBlocks valid, TrainConfig config,
            AdamW optimizer, LossScaler scaler, FineTune.Output out, FineTune.Emitter emit, List<TrainState.Validation> history) {
        this.model = model;
        this.ps = ps;
        this.root = root;
        this.valid = valid;
        this.config = config;
        this.optimizer = optimizer;
        this.scaler = scaler;
        this.out = out;
        this.emit = emit;
        this.history = new ArrayList<>(history);
    }

    /** Every validation so far, resumed ones included. */
    List<TrainState.Validation> history() {
        return List.copyOf(history);
    }

    /**
     * Validates, checkpoints and commits the state to continue from at {@code next}.
     *
     * @param trainLoss the mean step loss since the previous validation
     * @throws TrainingDivergedException when the validation loss is not finite
     */
    TrainState validateAndSave(TrainState state, TrainState.Position next, double trainLoss, boolean finished)
            throws IOException {
        int epoch = next.stepInEpoch() == 0 ? next.epoch() - 1 : next.epoch();
        long step = next.globalStep();
        double validLoss = FineTune.validationLoss(model, ps, root, valid, config.microBatch());
        TrainState.Validation v = new TrainState.Validation(epoch, step, validLoss, trainLoss);
        history.add(v);
        emit.emit("valid", FineTune.ordered("epoch", epoch, "step", step, "valid_loss", validLoss,
                "valid_ppl", Math.exp(validLoss)));
        if (!Double.isFinite(validLoss)) {
            throw new TrainingDivergedException("the validation loss", epoch, step, validLoss);
        }

        Map<String, HostTensor> weights = model.stateDict();
        boolean better = state.improvedBy(validLoss);
        if (better) {
            HfModelDir.write(out.dir().resolve("best"), model.config(), weights, HostTensor.DType.F32, out.tokenizerDir());
        }
        HfModelDir.write(out.dir().resolve("last"), model.config(), weights, HostTensor.DType.F32, out.tokenizerDir());
        Path stateDir = out.dir().resolve("state");
        String weightsFile = String.format("weights-%09d.safetensors", step);
        String optimizerFile = String.format("optimizer-%09d.safetensors", step);
        TrainState.writeSafetensors(stateDir.resolve(weightsFile), weights, Map.of());
        TrainState.writeSafetensors(stateDir.resolve(optimizerFile), optimizer.state(),
                Map.of("step", Long.toString(optimizer.stepCount())));
        TrainState committed = state.checkpointed(next, finished, v, weightsFile, optimizerFile, history, scaler);
        committed.commit(stateDir);
        emit.emit("checkpoint", FineTune.ordered("epoch", epoch, "step", step, "best", better, "dir", out.dir().toString()));
        return committed;
    }
}
