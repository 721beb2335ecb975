package io.collapse.train;

import io.collapse.config.ConfigLoader;
import io.collapse.data.TokenBlocks;
import io.collapse.eval.Evaluator;
import io.collapse.io.AtomicFiles;
import io.collapse.io.ErrorLines;
import io.collapse.model.CausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A validation and the checkpoint after it: {@code best/}'s next version when the validation loss
 * improves, {@code last/}, then the resume state (weights and AdamW moments first, state.json last),
 * and only then the new {@code best/} renamed into place.
 *
 * <p>best/ goes in two phases because a redone validation need not repeat the killed one: on a GPU
 * the last bits of a loss change from run to run, so a near-tie can go the other way after a resume.
 * Written in place before the commit, best/ would then keep the killed attempt's weights while the
 * state names an earlier step. The next version waits at {@code best.pending-<step>} instead, and
 * {@link #settlePendingBest} promotes it on resume if the committed state names that step, else
 * drops it.
 */
final class Checkpointer {

    /** The optimizer file's metadata key for AdamW's step count (torch's {@code state['step']}). */
    static final String STEP_COUNT = "step";

    static final String BEST = "best";

    static final String LAST = "last";

    /** {@code collapse train}'s lock on its folder: the run lock's file name (pipeline's RunLock, to the right of train). */
    static final String LOCK = "run.lock";

    private static final String PENDING_BEST = "best.pending-";

    /** What fine-tuning writes in its folder, beside best.pending-STEP and the dot-named siblings of a write. */
    private static final Set<String> OUT_ENTRIES = Set.of(BEST, LAST, "state", "events.jsonl", LOCK);

    /**
     * Refuses an output folder where fine-tuning would lose the user's files: it may hold only what
     * fine-tuning writes there, best/ and last/ only what a model write makes (they are replaced).
     * Checked before the first step, not at the first checkpoint, hours in.
     */
    static void checkOutDir(Path dir) throws IOException {
        if (Files.notExists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + ": exists and is not a folder; expected a new folder, or the output folder of a"
                    + " fine-tuning to continue");
        }
        List<String> foreign = AtomicFiles.othersIn(dir, n -> OUT_ENTRIES.contains(n) || n.startsWith(PENDING_BEST)
                || n.startsWith("." + BEST) || n.startsWith("." + LAST));
        if (!foreign.isEmpty()) {
            throw new IOException(dir + ": holds " + ErrorLines.names(foreign) + "; expected a new or empty folder, or the output folder of a fine-tuning to continue");
        }
        HfModelDir.checkReplaceable(dir.resolve(BEST));
        HfModelDir.checkReplaceable(dir.resolve(LAST));
    }

    private final FineTune.Run run;
    private final TokenBlocks valid;
    private final List<TrainState.Validation> history;

    /** @param history the validations of the run so far (those before a resume) */
    Checkpointer(FineTune.Run run, TokenBlocks valid, List<TrainState.Validation> history) {
        this.run = run;
        this.valid = valid;
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
        CausalLM model = run.model();
        double validLoss = Evaluator.evaluate(model, valid, run.config().microBatch(), done -> {}).loss();
        TrainState.Validation v = new TrainState.Validation(epoch, step, validLoss, trainLoss);
        history.add(v);
        run.emit().emit(TrainEvent.VALID.id(), ConfigLoader.fields("epoch", epoch, "step", step, "valid_loss", validLoss,
                "valid_ppl", Math.exp(validLoss)));
        if (!Double.isFinite(validLoss)) {
            throw new TrainingDivergedException("the validation loss", epoch, step, validLoss);
        }

        FineTune.Output out = run.out();
        Map<String, HostTensor> weights = model.stateDict();
        boolean better = state.improvedBy(validLoss);
        Path pendingBest = pendingBest(out.dir(), step);
        if (better) {
            HfModelDir.write(pendingBest, model.config(), weights, HostTensor.DType.F32, out.sourceDir());
        }
        HfModelDir.write(out.dir().resolve(LAST), model.config(), weights, HostTensor.DType.F32, out.sourceDir());
        Path stateDir = out.dir().resolve("state");
        String weightsFile = String.format("weights-%09d.safetensors", step);
        String optimizerFile = String.format("optimizer-%09d.safetensors", step);
        TrainState.writeSafetensors(stateDir.resolve(weightsFile), weights, Map.of());
        TrainState.writeSafetensors(stateDir.resolve(optimizerFile), run.optimizer().state(),
                Map.of(STEP_COUNT, Long.toString(run.optimizer().stepCount())));
        TrainState committed = state.toBuilder().position(next, finished).bestIfImproved(v)
                .files(stateDir, weightsFile, optimizerFile).history(history).lossScale(run.scaler()).build();
        committed.commit(stateDir);
        run.emit().emit(TrainEvent.CHECKPOINT.id(), ConfigLoader.fields("epoch", epoch, "step", step, "best", better, "dir", out.dir().toString()));
        if (better) {
            HfModelDir.replace(pendingBest, out.dir().resolve(BEST));
        }
        return committed;
    }

    /**
     * Finishes or undoes what a kill left of a best/ update in {@code dir}: the next version that
     * {@code committed} names (its best step) takes best/'s place; any other, and any half-written
     * one, is deleted. Run before training resumes or starts.
     */
    static void settlePendingBest(Path dir, TrainState committed) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        HfModelDir.recoverInterruptedWrite(dir.resolve(BEST));
        Path named = pendingBest(dir, committed.bestStep());
        List<Path> leftovers;
        try (Stream<Path> entries = Files.list(dir)) {
            leftovers = entries.filter(p -> p.getFileName().toString().replaceFirst("^\\.", "").startsWith(PENDING_BEST))
                    .sorted().toList();
        }
        for (Path p : leftovers) {
            if (p.equals(named)) {
                HfModelDir.replace(named, dir.resolve(BEST));
            } else {
                AtomicFiles.deleteTree(p);
            }
        }
    }

    private static Path pendingBest(Path dir, long step) {
        return dir.resolve(String.format("%s%09d", PENDING_BEST, step));
    }
}
