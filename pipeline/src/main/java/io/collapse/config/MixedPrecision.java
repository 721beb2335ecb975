package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** The compute dtype of fine-tuning's forward and backward ({@code train.mixed_precision}); see {@link TrainConfig}. */
public enum MixedPrecision {
    /** Everything float32. */
    OFF,
    /** A float16 copy of the weights computes, float32 master weights, dynamic loss scaling. */
    FP16,
    /** A bfloat16 copy of the weights computes, float32 master weights, no scaling. */
    BF16;

    @JsonValue
    @Override
    public String toString() {
        return Check.configName(this);
    }
}
