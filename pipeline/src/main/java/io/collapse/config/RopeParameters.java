package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonAlias;
import java.util.List;

/**
 * Rotary position settings as transformers 5.x keeps them ({@code rope_parameters}; 4.x configs
 * say {@code rope_scaling}, with {@code type} for {@code rope_type} and {@code rope_theta} beside
 * it). {@code default} is plain RoPE; {@code linear} divides every frequency by {@code factor};
 * {@code llama3} (Llama 3.1/3.2) divides the long wavelengths by {@code factor}, keeps the short
 * ones and blends between. Other types (dynamic, yarn, longrope…) are refused.
 */
@HfConfigJson
public record RopeParameters(
        @JsonAlias("type") String ropeType,
        Double ropeTheta,
        Double factor,
        Double lowFreqFactor,
        Double highFreqFactor,
        Integer originalMaxPositionEmbeddings) {

    static final List<String> TYPES = List.of("default", "linear", "llama3");

    /** Checks what is given; {@link #filled} adds the defaults that depend on the model's config. */
    public RopeParameters {
        if (ropeType != null && !TYPES.contains(ropeType)) {
            throw new IllegalArgumentException("config: rope type '" + ropeType + "' is not supported; expected one of " + TYPES);
        }
        if (ropeTheta != null && !(ropeTheta > 0 && ropeTheta < 1e12)) {
            throw new IllegalArgumentException("config: rope_theta must lie in (0, 1e12), got " + ropeTheta);
        }
    }

    /** Plain RoPE with base {@code theta}. */
    public static RopeParameters plain(double theta) {
        return new RopeParameters("default", theta, null, null, null, null);
    }

    /**
     * HF's {@code standardize_rope_params}: the type defaults to {@code default}, theta to the
     * top-level {@code rope_theta} (then 10000), llama3's original length to max_position_embeddings;
     * then each type's own keys are checked.
     */
    RopeParameters filled(Double topLevelTheta, int maxPositionEmbeddings) {
        String type = ropeType == null ? "default" : ropeType;
        double theta = ropeTheta != null ? ropeTheta : topLevelTheta != null ? topLevelTheta : 10000.0;
        Integer original = originalMaxPositionEmbeddings;
        if (type.equals("llama3") && original == null) {
            original = maxPositionEmbeddings;
        }
        RopeParameters r = new RopeParameters(type, theta, factor, lowFreqFactor, highFreqFactor, original);
        if (!type.equals("default")) {
            positive(type, "factor", factor);
        }
        if (type.equals("llama3")) {
            positive(type, "low_freq_factor", lowFreqFactor);
            positive(type, "high_freq_factor", highFreqFactor);
            if (!(highFreqFactor > lowFreqFactor)) {
                throw new IllegalArgumentException("config: llama3 rope needs high_freq_factor (" + highFreqFactor
                        + ") > low_freq_factor (" + lowFreqFactor + ")");
            }
            positive(type, "original_max_position_embeddings", original == null ? null : (double) original);
        }
        return r;
    }

    private static void positive(String type, String field, Double value) {
        if (value == null || !(value > 0 && value < 1e9)) {
            throw new IllegalArgumentException("config: " + type + " rope needs " + field + " in (0, 1e9), got " + value);
        }
    }
}
