package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a prompt is continued ({@code generation.strategy}), as HF transformers 4.35 decodes. */
public enum Strategy {
    /** The most likely token at every step. */
    GREEDY,
    /** Beam search, {@code num_beams} wide. */
    BEAM,
    /** Multinomial sampling after the warpers (temperature, top-k, top-p). */
    SAMPLE;

    @JsonValue
    @Override
    public String toString() {
        return Check.configName(this);
    }
}
