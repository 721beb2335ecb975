package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** The model each generation's fine-tuning starts from ({@code experiment.start_from}). */
public enum StartFrom {
    /** The base model, every generation (the paper). */
    BASE,
    /** The previous generation's best model. */
    PREVIOUS;

    @JsonValue
    @Override
    public String toString() {
        return Check.configName(this);
    }
}
