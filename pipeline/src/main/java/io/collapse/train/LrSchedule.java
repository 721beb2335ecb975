package io.collapse.train;

import io.collapse.config.TrainConfig;

/**
 * Learning rate as a pure function of (epoch, optimizer step). Steps count optimizer updates
 * from 0: the first update of a run uses {@code lr(0, 0)}, as HF's LambdaLR does (its
 * {@code scheduler.step()} runs after {@code optimizer.step()}).
 */
public final class LrSchedule {

    /** torch CosineAnnealingLR's floor in the released code. */
    static final double EPOCH_COSINE_ETA_MIN = 1e-6;

    private final TrainConfig config;
    private final long totalSteps;

    /** @param totalSteps optimizer steps of the whole run (epochs × steps per epoch) */
    public LrSchedule(TrainConfig config, long totalSteps) {
        if (totalSteps < 1) {
            throw new IllegalArgumentException("totalSteps must be >= 1, got " + totalSteps);
        }
        this.config = config;
        this.totalSteps = totalSteps;
    }

    /** The learning rate of optimizer step {@code step}, which falls in epoch {@code epoch}. */
    public double lr(int epoch, long step) {
        double base = config.learningRate();
        return switch (config.schedule()) {
            case PAPER_EPOCH_LINEAR -> base * lrFactor(epoch, config.epochs());
            case EPOCH_COSINE -> epochCosineLr(base, epoch, config.epochs());
            case WARMUP_LINEAR -> base * warmupLinearFactor(step, config.warmupSteps(), totalSteps);
            case WARMUP_COSINE -> base * warmupCosineFactor(step, config.warmupSteps(), totalSteps);
            case CONSTANT -> base * warmupConstantFactor(step, config.warmupSteps());
        };
    }

    /** The paper's factor: 1.0 in epoch 0, 0.1 in the last epoch, linear in between; 1.0 for one epoch. */
    public static double lrFactor(int epoch, int epochs) {
        if (epoch < 0 || epoch >= epochs) {
            throw new IllegalArgumentException("epoch " + epoch + " outside [0, " + epochs + ")");
        }
        if (epochs == 1) {
            return 1.0;
        }
        return 1.0 - 0.9 * epoch / (epochs - 1);
    }

    /** torch CosineAnnealingLR(T_max=epochs, eta_min=1e-6) in closed form, stepped once per epoch. */
    static double epochCosineLr(double base, int epoch, int epochs) {
        return EPOCH_COSINE_ETA_MIN + (base - EPOCH_COSINE_ETA_MIN) * (1 + Math.cos(Math.PI * epoch / epochs)) / 2;
    }

    /** HF get_linear_schedule_with_warmup. */
    static double warmupLinearFactor(long step, long warmup, long total) {
        if (step < warmup) {
            return (double) step / Math.max(1, warmup);
        }
        return Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
    }

    /** HF get_cosine_schedule_with_warmup with num_cycles = 0.5 (half a cosine down to 0). */
    static double warmupCosineFactor(long step, long warmup, long total) {
        if (step < warmup) {
            return (double) step / Math.max(1, warmup);
        }
        double progress = (double) (step - warmup) / Math.max(1, total - warmup);
        return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 0.5 * 2.0 * progress)));
    }

    /** HF get_constant_schedule_with_warmup. */
    static double warmupConstantFactor(long step, long warmup) {
        if (step < warmup) {
            return (double) step / Math.max(1.0, warmup);
        }
        return 1.0;
    }
}
