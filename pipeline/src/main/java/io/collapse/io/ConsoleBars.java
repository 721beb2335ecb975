package io.collapse.io;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The one way collapse starts a progress bar. On a terminal it redraws in place twice a second;
 * when the output is a file (a batch scheduler's log, a pipe) it prints one plain line every
 * {@code COLLAPSE_PROGRESS_SECONDS} (default 60) seconds instead of carriage-return redraws.
 * Lives in config/ because every package may import it.
 */
public final class ConsoleBars {

    private static final long TERMINAL_MILLIS = 500;

    private ConsoleBars() {}

    /** A builder on stderr, {@code unit} counting {@code unitSize} steps; callers add what they need. */
    public static ProgressBarBuilder builder(String task, long max, String unit, long unitSize) {
        return builder(task, max, unit, unitSize, System.err);
    }

    public static ProgressBarBuilder builder(String task, long max, String unit, long unitSize, PrintStream out) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUnit(unit, unitSize)
                .setStyle(ProgressBarStyle.ASCII);
        if (System.console() != null) {
            return b.setUpdateIntervalMillis((int) TERMINAL_MILLIS).setConsumer(new ConsoleProgressBarConsumer(out));
        }
        return b.setUpdateIntervalMillis((int) Math.min(Integer.MAX_VALUE, logIntervalSeconds() * 1000))
                .setConsumer(new DelegatingProgressBarConsumer(out::println));
    }

    /** Seconds between plain progress lines in a log. */
    static long logIntervalSeconds() {
        String s = System.getenv("COLLAPSE_PROGRESS_SECONDS");
        if (s == null || s.isBlank()) {
            return 60;
        }
        try {
            long v = Long.parseLong(s.trim());
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("COLLAPSE_PROGRESS_SECONDS: expected a whole number of seconds >= 1, got '" + s + "'");
    }
}
