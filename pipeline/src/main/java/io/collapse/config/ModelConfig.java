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

    public ModelConfig {
        dtype = dtype == null ? "float32" : dtype;
        Check.notBlank("model.base", base);
        Check.oneOf("model.dtype", dtype, "float32", "bfloat16", "float16");
    }
}
