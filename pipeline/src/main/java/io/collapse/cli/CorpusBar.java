package io.collapse.cli;

import io.collapse.generate.CorpusProgress;
import io.collapse.io.ConsoleBars;
import io.collapse.pipeline.Experiment;
import me.tongfei.progressbar.ProgressBar;

/** A synthetic corpus's console bar: blocks done, ETA, blocks/s and new tokens/s since this process started writing. */
final class CorpusBar implements CorpusProgress {

    private final int tokensPerBlock;
    private ProgressBar bar;
    private long startNanos;
    private int startBlocks = -1;

    /** A run's bars: training's, and one of these per corpus phase; none when {@code show} is false. */
    static Experiment.Bars runBars(boolean show) {
        return show ? new Experiment.Bars(true, CorpusBar::new) : Experiment.Bars.NONE;
    }

    CorpusBar(int tokensPerBlock) {
        this.tokensPerBlock = tokensPerBlock;
    }

    @Override
    public void blocksDone(int done, int total) {
        if (bar == null) {
            bar = ConsoleBars.builder("corpus", total, " blocks", 1).build();
            startNanos = System.nanoTime();
            startBlocks = done; // a resumed run's earlier shards do not count towards the rate
        }
        bar.stepTo(done);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (seconds > 0 && done > startBlocks) {
            double blocksPerSecond = (done - startBlocks) / seconds;
            bar.setExtraMessage(String.format("%.2f blocks/s %.0f new tok/s", blocksPerSecond,
                    blocksPerSecond * tokensPerBlock));
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
