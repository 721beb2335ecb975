package io.collapse.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The base model every generation starts from.
 *
 * @param base {@code preset:NAME} (a randomly initialised OPT of a named size, created from
 *     {@code initSeed}), a local HF model directory, or a Hub id such as {@code facebook/opt-125m}
 * @param initSeed seed of the random initialisation of a preset
 * @param dtype the weights' dtype: {@code float32} (default); {@link RunConfig} refuses {@code bfloat16} and
 *     {@code float16} with the reason (training keeps float32 master weights; half-precision compute is
 *     {@code train.mixed_precision})
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ModelConfig(
        String base,
        long initSeed,
        String dtype) {

    /** The prefix of a preset base, {@code preset:NAME}. */
    public static final String PRESET = "preset:";

    public ModelConfig {
        dtype = dtype == null ? "float32" : dtype;
        Check.notBlank("model.base", base);
        Check.oneOf("model.dtype", dtype, "float32", "bfloat16", "float16");
        if (base.startsWith(PRESET)) {
            try {
                Presets.get(base.substring(PRESET.length()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model.base: " + e.getMessage());
            }
        }
    }

    /** The preset's name for a {@code preset:NAME} base (a known one); null for a directory or Hub id. */
    public String presetName() {
        return base.startsWith(PRESET) ? base.substring(PRESET.length()) : null;
    }
}
