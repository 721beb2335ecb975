package io.collapse.report;

/**
 * Counts of per-sequence perplexities on one fixed grid over log10(ppl): [0, 5) in bins of 0.05.
 * Every histogram of every run shares these bins, so KL divergences and overlays compare like with
 * like and a number written once never changes when more runs arrive. A perplexity is at least 1
 * (log10 ≥ 0); the rare one above 10^5 is counted in the last bin.
 */
public record Histogram(long[] counts) {

    public static final double LOG10_MIN = 0.0;
    public static final double LOG10_MAX = 5.0;
    public static final double BIN_WIDTH = 0.05;
    public static final int BINS = (int) Math.round((LOG10_MAX - LOG10_MIN) / BIN_WIDTH);

    public Histogram {
        if (counts.length != BINS) {
            throw new IllegalArgumentException("histogram: expected " + BINS + " bins, got " + counts.length);
        }
    }

    public static Histogram of(float[] ppl) {
        long[] counts = new long[BINS];
        for (float v : ppl) {
            counts[bin(Math.log10(v))]++;
        }
        return new Histogram(counts);
    }

    /** Pools several histograms (e.g. the seeds of one regime). */
    public static Histogram sum(Iterable<Histogram> parts) {
        long[] counts = new long[BINS];
        for (Histogram h : parts) {
            for (int i = 0; i < BINS; i++) {
                counts[i] += h.counts[i];
            }
        }
        return new Histogram(counts);
    }

    static int bin(double log10Ppl) {
        int b = (int) Math.floor((log10Ppl - LOG10_MIN) / BIN_WIDTH);
        return Math.max(0, Math.min(BINS - 1, b));
    }

    public long total() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    /** Lower edge of bin i on the log10(ppl) axis. */
    public static double lowerEdge(int i) {
        return LOG10_MIN + i * BIN_WIDTH;
    }

    /** Probability density per unit of log10(ppl): areas sum to 1, whatever the corpus size. */
    public double[] density() {
        double[] d = new double[BINS];
        long n = total();
        for (int i = 0; i < BINS; i++) {
            d[i] = n == 0 ? 0 : counts[i] / (n * BIN_WIDTH);
        }
        return d;
    }
}
