package io.collapse.pipeline;

import java.util.Locale;

/**
 * The events a run writes to its events.jsonl beside fine-tuning's ({@code train.TrainEvent}),
 * under {@link #id}; read back by {@link RunStatus} and {@link RunPlatform}.
 */
enum RunEvent {
    /** A start's platform: engine, libtorch, devices, threads (a resume on another platform is said). */
    PLATFORM,
    /** A setting a resume changed (the memory settings only). */
    CONFIG_CHANGED,
    PHASE_START,
    PHASE_DONE,
    /** A phase that threw: its error, and what to lower when memory ran out. */
    PHASE_FAILED,
    RUN_DONE;

    /** The name in events.jsonl: "phase_start"… */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
