package io.collapse.report;

import java.util.Arrays;

/**
 * The collapse measures as plain functions over token blocks ({@code int[][]}, one row per
 * 64-token training block) and per-sequence perplexities ({@code float[]}).
 *
 * <p>Conventions, stated once: n-grams never cross a block boundary (each block is one training
 * sequence); percentiles interpolate linearly between order statistics (numpy's default);
 * logarithms of perplexity are base 10, the x axis of every histogram.
 */
public final class Metrics {

    /** Token ids are packed 21 bits each into a long, so n-grams up to n = 3 are one long. */
    private static final int ID_BITS = 21;

    /** The pseudo-count {@link #klDivergence} adds to each occupied bin. */
    public static final double KL_SMOOTHING = 0.5;

    private Metrics() {}

    /** Distinct n-grams / total n-grams over all blocks (n-grams inside a block only); NaN with no n-gram. */
    public static double distinctN(int[][] blocks, int n) {
        if (n < 1 || n * ID_BITS > 63) {
            throw new IllegalArgumentException("distinct-n: n must be 1.." + 63 / ID_BITS + ", got " + n);
        }
        int total = 0;
        for (int[] block : blocks) {
            total += Math.max(0, block.length - n + 1);
        }
        if (total == 0) {
            return Double.NaN;
        }
        long[] grams = new long[total];
        int k = 0;
        for (int[] block : blocks) {
            for (int i = 0; i + n <= block.length; i++) {
                long packed = 0;
                for (int j = 0; j < n; j++) {
                    packed = (packed << ID_BITS) | checkedId(block[i + j]);
                }
                grams[k++] = packed;
            }
        }
        Arrays.sort(grams);
        int distinct = 1;
        for (int i = 1; i < total; i++) {
            if (grams[i] != grams[i - 1]) {
                distinct++;
            }
        }
        return (double) distinct / total;
    }

    /** Shannon entropy, in bits, of the corpus's unigram (token id) distribution; NaN for no tokens. */
    public static double unigramEntropyBits(int[][] blocks) {
        int[] counts = idCounts(blocks);
        long total = 0;
        for (int c : counts) {
            total += c;
        }
        if (total == 0) {
            return Double.NaN;
        }
        double h = 0;
        for (int c : counts) {
            if (c > 0) {
                double p = (double) c / total;
                h -= p * Math.log(p);
            }
        }
        return h / Math.log(2);
    }

    /** Vocabulary coverage: the number of distinct token ids that occur in the corpus. */
    public static int vocabularyCoverage(int[][] blocks) {
        int distinct = 0;
        for (int c : idCounts(blocks)) {
            if (c > 0) {
                distinct++;
            }
        }
        return distinct;
    }

    /**
     * Repeated n-gram rate: over all n-gram positions of all blocks, the share whose n-gram occurs
     * at least twice in the same block (both occurrences count). A block "a b a b" with n = 2 has
     * n-grams ab, ba, ab: two of three positions are repeated. Catches the within-sequence loops of
     * degenerate generations; NaN with no n-gram.
     */
    public static double repeatedNgramRate(int[][] blocks, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("repeated n-gram rate: n must be >= 1, got " + n);
        }
        long positions = 0;
        long repeated = 0;
        for (int[] block : blocks) {
            int m = block.length - n + 1;
            for (int i = 0; i < m; i++) {
                positions++;
                for (int j = 0; j < m; j++) {
                    // First tokens differ for almost every pair: test that before the whole n-gram.
                    if (j != i && block[j] == block[i] && Arrays.equals(block, i, i + n, block, j, j + n)) {
                        repeated++;
                        break;
                    }
                }
            }
        }
        return positions == 0 ? Double.NaN : (double) repeated / positions;
    }

    /**
     * Exact Wasserstein-1 distance between the empirical distributions of two samples:
     * the area between their CDFs, {@code ∫ |F(x) - G(x)| dx}. Unequal sizes are fine.
     */
    public static double wasserstein1(double[] x, double[] y) {
        if (x.length == 0 || y.length == 0) {
            throw new IllegalArgumentException(
                    "wasserstein1: both samples need values, got sizes " + x.length + " and " + y.length);
        }
        double[] a = x.clone();
        double[] b = y.clone();
        Arrays.sort(a);
        Arrays.sort(b);
        int i = 0;
        int j = 0;
        double area = 0;
        double prev = Math.min(a[0], b[0]);
        // Sweep the merged values; between consecutive ones both CDFs are constant.
        while (i < a.length || j < b.length) {
            double next = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
            area += Math.abs((double) i / a.length - (double) j / b.length) * (next - prev);
            while (i < a.length && a[i] == next) {
                i++;
            }
            while (j < b.length && b[j] == next) {
                j++;
            }
            prev = next;
        }
        return area;
    }

    /**
     * KL(P || Q) in nats between two histograms on the same bins. Smoothing: ½ is added to every bin
     * that is non-empty in P or in Q (bins empty in both stay out), then each is normalised; so a
     * bin P fills and Q never does costs a finite amount. Identical histograms give 0.
     */
    public static double klDivergence(long[] p, long[] q) {
        if (p.length != q.length) {
            throw new IllegalArgumentException("klDivergence: bin counts differ, " + p.length + " vs " + q.length);
        }
        double alpha = KL_SMOOTHING;
        double sumP = 0;
        double sumQ = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0 || q[i] > 0) {
                sumP += p[i] + alpha;
                sumQ += q[i] + alpha;
            }
        }
        if (sumP == 0) {
            throw new IllegalArgumentException("klDivergence: both histograms are empty");
        }
        double kl = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0 || q[i] > 0) {
                double pi = (p[i] + alpha) / sumP;
                double qi = (q[i] + alpha) / sumQ;
                kl += pi * Math.log(pi / qi);
            }
        }
        return Math.max(0, kl);
    }

    /** The p-th percentile (0..100) of the values, interpolating linearly between order statistics. */
    public static double percentile(float[] values, double p) {
        if (values.length == 0 || p < 0 || p > 100) {
            throw new IllegalArgumentException(
                    "percentile: need values and 0 <= p <= 100, got " + values.length + " values, p=" + p);
        }
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        double rank = p / 100 * (sorted.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (rank - lo) * (sorted[hi] - sorted[lo]);
    }

    /** Share of values strictly above the threshold. */
    public static double shareAbove(float[] values, double threshold) {
        int n = 0;
        for (float v : values) {
            if (v > threshold) {
                n++;
            }
        }
        return (double) n / values.length;
    }

    /** Share of values strictly below the threshold. */
    public static double shareBelow(float[] values, double threshold) {
        int n = 0;
        for (float v : values) {
            if (v < threshold) {
                n++;
            }
        }
        return (double) n / values.length;
    }

    /** log10 of every perplexity: the axis histograms and Wasserstein distances use. */
    public static double[] log10(float[] ppl) {
        double[] out = new double[ppl.length];
        for (int i = 0; i < ppl.length; i++) {
            out[i] = Math.log10(ppl[i]);
        }
        return out;
    }

    private static int[] idCounts(int[][] blocks) {
        int max = -1;
        for (int[] block : blocks) {
            for (int id : block) {
                max = Math.max(max, checkedId(id));
            }
        }
        int[] counts = new int[max + 1];
        for (int[] block : blocks) {
            for (int id : block) {
                counts[id]++;
            }
        }
        return counts;
    }

    private static int checkedId(int id) {
        if (id < 0 || id >= 1 << ID_BITS) {
            throw new IllegalArgumentException("token id must be in [0, " + (1 << ID_BITS) + "), got " + id);
        }
        return id;
    }
}
