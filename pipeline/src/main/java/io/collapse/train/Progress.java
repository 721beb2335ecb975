package io.collapse.train;

import io.collapse.io.ConsoleBars;
import me.tongfei.progressbar.ProgressBar;

/** The console progress bar of a run (steps, ETA, loss, tokens/s), or nothing when switched off. */
final class Progress implements AutoCloseable {

    private final ProgressBar bar;

    Progress(boolean show, long totalSteps) {
        this.bar = show
                ? ConsoleBars.builder("train", totalSteps, "", 1).build()
                : null;
    }

    void resumeAt(long step) {
        if (bar != null) {
            bar.stepTo(step);
        }
    }

    void step(int epoch, int epochs, long step, double loss, double tokensPerSecond) {
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(String.format("epoch %d/%d loss %.4f %.0f tok/s", epoch + 1, epochs, loss, tokensPerSecond));
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
