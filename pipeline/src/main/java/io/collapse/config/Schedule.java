package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** How the learning rate moves over fine-tuning ({@code train.schedule}). */
public enum Schedule {
    /** Factor 1.0 → 0.1 over the epochs, stepped once per epoch: the paper's text. */
    PAPER_EPOCH_LINEAR,
    /** torch CosineAnnealingLR(T_max=epochs, eta_min=1e-6) stepped per epoch: the released code. */
    EPOCH_COSINE,
    /** HF's per-step linear decay after the warmup. */
    WARMUP_LINEAR,
    /** HF's per-step cosine decay after the warmup. */
    WARMUP_COSINE,
    /** The peak rate after the warmup. */
    CONSTANT;

    /** Whether the learning rate changes only at epoch boundaries (no warmup steps then). */
    public boolean perEpoch() {
        return this == PAPER_EPOCH_LINEAR || this == EPOCH_COSINE;
    }

    /** The name configs and run files use, e.g. {@code paper-epoch-linear}. */
    @JsonValue
    @Override
    public String toString() {
        return Check.configName(this);
    }
}
