package io.collapse.config;

import java.util.Arrays;
import java.util.Locale;

/** Validation for config records: every message names the field, the value and what is allowed. */
public final class Check {

    private Check() {}

    public static void atLeast(String field, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(field + " must be >= " + min + ", got " + value);
        }
    }

    public static void atMost(String field, long value, long max) {
        if (value > max) {
            throw new IllegalArgumentException(field + " must be <= " + max + ", got " + value);
        }
    }

    public static void between(String field, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " must lie in [" + min + ", " + max + "], got " + value);
        }
    }

    public static void positive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " must be a finite number > 0, got " + value);
        }
    }

    public static void range(String field, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(field + " must lie in [" + min + ", " + max + "], got " + value);
        }
    }

    /**
     * Sizes in a model's config.json (widths, layers, heads, positions, vocab) as {@code name, size,
     * name, size…}, checked in that order: each 1 to {@link OptConfig#MAX_SIZE}.
     */
    public static void modelSizes(Object... namesAndSizes) {
        for (int i = 0; i < namesAndSizes.length; i += 2) {
            int value = (Integer) namesAndSizes[i + 1];
            if (value <= 0 || value > OptConfig.MAX_SIZE) {
                throw new IllegalArgumentException("config: " + namesAndSizes[i] + " must lie in [1, " + OptConfig.MAX_SIZE
                        + "], got " + value);
            }
        }
    }

    /**
     * A model's layer count, 1 to {@link #MAX_LAYERS}: each layer is a Java block built before any
     * weight is read, so a typo of a million layers ran the heap out after minutes.
     */
    public static void layers(String field, int value) {
        between("config: " + field, value, 1, MAX_LAYERS);
    }

    /** Far above any model's depth (Llama 3.1 405B: 126 layers). */
    public static final int MAX_LAYERS = 4096;

    /** A width in a model's config.json that must split evenly, e.g. hidden_size over num_attention_heads. */
    public static void divisible(String field, int value, String byField, int by) {
        if (value % by != 0) {
            throw new IllegalArgumentException("config: " + field + " (" + value + ") must be divisible by " + byField + " (" + by + ")");
        }
    }

    /** A model's config.json value in (0, max): norm epsilons, init std. */
    public static void positiveBelow(String field, double value, int max) {
        if (!(value > 0 && value < max)) {
            throw new IllegalArgumentException("config: " + field + " must lie in (0, " + max + "), got " + value);
        }
    }

    /** config.json's model_type is one the record reads ({@code expected}, as HF spells them). */
    public static void modelType(String modelType, String... expected) {
        if (!Arrays.asList(expected).contains(modelType)) {
            throw new IllegalArgumentException("config: model_type '" + modelType + "' is not supported; expected '"
                    + String.join("' or '", expected) + "'");
        }
    }

    /** pad/bos/eos ids (null where the model has none) are rows of the embedding. */
    public static void specialTokenIds(int vocabSize, Integer... ids) {
        for (Integer id : ids) {
            if (id != null && (id < 0 || id >= vocabSize)) {
                throw new IllegalArgumentException("config: special token id " + id
                        + " (pad/bos/eos) must lie in [0, vocab_size=" + vocabSize + ")");
            }
        }
    }

    /** A dropout probability in a model's config.json: [0, 1). */
    public static void dropout(String field, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException("config: " + field + " must lie in [0, 1), got " + value);
        }
    }

    public static void oneOf(String field, String value, String... allowed) {
        if (!Arrays.asList(allowed).contains(value)) {
            throw new IllegalArgumentException(notOneOf(field, value, Arrays.asList(allowed)));
        }
    }

    /** The message of a value outside {@code allowed}: the one {@link #oneOf} throws, also for enum fields. */
    static String notOneOf(String field, Object value, Object allowed) {
        return field + " must be one of " + allowed + ", got " + (value == null ? "nothing" : "'" + value + "'");
    }

    /** A config enum's name in JSON and on the command line: {@code PAPER_EPOCH_LINEAR} is {@code paper-epoch-linear}. */
    static String configName(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static void notBlank(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must be set");
        }
    }
}
