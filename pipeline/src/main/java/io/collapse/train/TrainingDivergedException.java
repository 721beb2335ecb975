package io.collapse.train;

/**
 * The loss or the gradient norm stopped being a finite number. Training stops before the
 * optimizer step, so the last checkpoint on disk is the last good state.
 */
public final class TrainingDivergedException extends RuntimeException {

    public TrainingDivergedException(String what, int epoch, long step, double value) {
        super("training diverged: " + what + " is " + value + " at epoch " + epoch + ", step " + step
                + "; its checkpoints so far are kept. A run continues only with its own settings: try a lower"
                + " learning_rate, or gradient clipping (max_grad_norm), in a new output folder (train --out) or run directory");
    }
}
