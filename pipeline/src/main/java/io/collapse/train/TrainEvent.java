package io.collapse.train;

import java.util.Locale;

/**
 * The events fine-tuning writes to events.jsonl and hands its {@link FineTune.Listener}, one line
 * each, under {@link #id} in their "event" field; what reads the log back (a run's status, the
 * training benchmark) compares against these, never a literal.
 */
public enum TrainEvent {
    /** An optimizer step: loss, learning rate, gradient norm, tokens per second (every train.log_every_steps). */
    STEP,
    /** The end of an epoch: its mean training loss. */
    EPOCH,
    /** A validation: its loss and whether it is the best so far. */
    VALID,
    /** A checkpoint written: last/, and best/ when it improved. */
    CHECKPOINT,
    /** A checkpoint's training state could not be read; kept aside, the run starts over. */
    CHECKPOINT_DAMAGED,
    /** A run resumed from its training state. */
    RESUME,
    /** The run's end: steps and the best validation. */
    DONE;

    /** The name in events.jsonl: "step", "checkpoint_damaged"… */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
