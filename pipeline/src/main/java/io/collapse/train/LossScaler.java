package io.collapse.train;

/**
 * fp16's dynamic loss scale, torch.cuda.amp.GradScaler's rule: the loss is multiplied by the scale
 * before backward so small float16 gradients do not flush to zero; the float32 gradients are
 * divided by it again. A step whose gradients are not finite is skipped and the scale halves; after
 * {@code growthInterval} finite steps in a row it doubles. Scales stay powers of two (from a
 * power-of-two start), so scaling and unscaling are exact.
 */
final class LossScaler {

    /** Below the smallest float16 subnormal every scaled gradient is zero: training cannot go on. */
    static final double MIN_SCALE = 0x1p-24;

    private final int growthInterval;
    private double scale;
    private int goodSteps;

    LossScaler(double scale, int goodSteps, int growthInterval) {
        this.scale = scale;
        this.goodSteps = goodSteps;
        this.growthInterval = growthInterval;
    }

    double scale() {
        return scale;
    }

    /** Finite steps since the scale last changed (GradScaler's growth tracker). */
    int goodSteps() {
        return goodSteps;
    }

    /** Records a step's outcome; true when the optimizer may apply it. */
    boolean update(boolean gradientsFinite) {
        if (!gradientsFinite) {
            scale *= 0.5;
            goodSteps = 0;
            return false;
        }
        if (++goodSteps == growthInterval) {
            scale *= 2;
            goodSteps = 0;
        }
        return true;
    }
}
