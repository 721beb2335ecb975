package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;

/**
 * HF's {@code generation.early_stopping}: when a prompt's beam search stops, once num_beams
 * hypotheses have finished. JSON takes HF's spellings: {@code true}, {@code false} (as booleans or
 * strings) and {@code "never"}.
 */
public enum EarlyStopping {
    /** At once. */
    TRUE,
    /** When the best score, at the current length, can no longer beat the worst hypothesis (HF's default heuristic). */
    FALSE,
    /** When no running beam could beat it even at max_length (the exact test; at the current length when length_penalty ≤ 0). */
    NEVER;

    @JsonValue
    @Override
    public String toString() {
        return Check.configName(this);
    }

    /** From HF's JSON, where {@code true} and {@code false} are booleans as often as strings. */
    @JsonCreator
    static EarlyStopping fromJson(Object value) {
        for (EarlyStopping e : values()) {
            if (e.toString().equals(String.valueOf(value))) {
                return e;
            }
        }
        throw new IllegalArgumentException(Check.notOneOf("generation.early_stopping", value, List.of(values())));
    }
}
