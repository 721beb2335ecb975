package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** What generation k trains on ({@code experiment.data_mode}). */
public enum DataMode {
    /** Generation k-1's corpus (the paper). */
    REPLACE,
    /** The original data plus every earlier corpus. */
    ACCUMULATE;

    @JsonValue
    @Override
    public String toString() {
        return Check.configName(this);
    }
}
