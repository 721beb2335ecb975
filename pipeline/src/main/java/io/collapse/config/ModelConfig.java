package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The base model every generation starts from.
 *
 * @param base {@code preset:NAME} (a randomly initialised OPT of a named size, created from
 *     {@code initSeed}), a local HF model directory, or a Hub id such as {@code facebook/opt-125m}
 * @param initSeed seed of the random initialisation of a preset
 * @param dtype compute dtype: {@code float32} (default), {@code bfloat16} or {@code float16}
 */
public record ModelConfig(
        @JsonProperty("base") String base,
        @JsonProperty("init_seed") long initSeed,
        @JsonProperty("dtype") String dtype) {

    public ModelConfig {
        dtype = dtype == null ? "float32" : dtype;
        Check.notBlank("model.base", base);
        Check.oneOf("model.dtype", dtype, "float32", "bfloat16", "float16");
    }
}
