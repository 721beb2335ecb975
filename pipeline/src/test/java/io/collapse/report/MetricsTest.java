package io.collapse.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricsTest {

    private static final double EPS = 1e-12;

    @Test
    void distinctNOfARepeatedBlockCountsByHand() {
        // The block 1 2 3 1 2 repeated three times: 15 tokens, n-grams never cross blocks.
        int[] block = {1, 2, 3, 1, 2};
        int[][] corpus = {block, block, block};
        // unigrams: {1,2,3} distinct / 15 total
        assertEquals(3.0 / 15, Metrics.distinctN(corpus, 1), EPS);
        // bigrams per block: 12 23 31 12 → distinct {12,23,31} = 3, total 4*3 = 12
        assertEquals(3.0 / 12, Metrics.distinctN(corpus, 2), EPS);
        // trigrams per block: 123 231 312 → 3 distinct, total 3*3 = 9
        assertEquals(3.0 / 9, Metrics.distinctN(corpus, 3), EPS);
    }

    @Test
    void distinctNDoesNotJoinBlocks() {
        // Joined, "1 2 | 3 4" would have the bigram 2 3; kept apart it has 12 and 34 only.
        int[][] corpus = {{1, 2}, {3, 4}, {1, 2}};
        assertEquals(2.0 / 3, Metrics.distinctN(corpus, 2), EPS);
        assertTrue(Double.isNaN(Metrics.distinctN(new int[][] {{5}}, 2)));
    }

    @Test
    void distinctNRejectsIdsThatCannotBePacked() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Metrics.distinctN(new int[][] {{-1, 2}}, 2));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    @Test
    void unigramEntropyOfKnownDistributions() {
        // Uniform over 4 ids: 2 bits.
        assertEquals(2.0, Metrics.unigramEntropyBits(new int[][] {{0, 1}, {2, 3}}), EPS);
        // p = (1/2, 1/4, 1/4): 0.5*1 + 0.25*2 + 0.25*2 = 1.5 bits.
        assertEquals(1.5, Metrics.unigramEntropyBits(new int[][] {{7, 7, 8, 9}}), EPS);
        // One id only: 0 bits.
        assertEquals(0.0, Metrics.unigramEntropyBits(new int[][] {{4, 4, 4}}), EPS);
    }

    @Test
    void vocabularyCoverageCountsDistinctIds() {
        assertEquals(3, Metrics.vocabularyCoverage(new int[][] {{50000, 2, 2}, {2, 9}}));
    }

    @Test
    void repeatedNgramRateWithinBlocks() {
        // "a b a b", n=2: ab ba ab → 2 of 3 positions repeated.
        assertEquals(2.0 / 3, Metrics.repeatedNgramRate(new int[][] {{1, 2, 1, 2}}, 2), EPS);
        // No repeats inside a block, even though the two blocks are equal: 0.
        assertEquals(0.0, Metrics.repeatedNgramRate(new int[][] {{1, 2, 3, 4}, {1, 2, 3, 4}}, 2), EPS);
        // A loop of period 4 over 12 tokens, n=4: 9 positions, each 4-gram occurs 2-3 times → all repeated;
        // plus a block with 5 distinct tokens (2 positions, none repeated): 9 of 11.
        int[] loop = {1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4};
        assertEquals(9.0 / 11, Metrics.repeatedNgramRate(new int[][] {loop, {5, 6, 7, 8, 9}}, 4), EPS);
    }

    @Test
    void wassersteinOfShiftedSamplesIsTheShift() {
        double[] x = {0.1, 0.5, 0.7, 1.3, 2.0};
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] + 0.25;
        }
        assertEquals(0.25, Metrics.wasserstein1(x, y), 1e-12);
        assertEquals(0.25, Metrics.wasserstein1(y, x), 1e-12);
        assertEquals(0.0, Metrics.wasserstein1(x, x.clone()), EPS);
    }

    @Test
    void wassersteinOfUnequalSizesByHand() {
        // F jumps to 1 at 0; G is 1/2 at 0 and 1 at 2: area = 1/2 * 2 = 1.
        assertEquals(1.0, Metrics.wasserstein1(new double[] {0}, new double[] {0, 2}), EPS);
        // Point masses at 1 and 4: distance 3.
        assertEquals(3.0, Metrics.wasserstein1(new double[] {1, 1, 1}, new double[] {4}), EPS);
    }

    @Test
    void klOfIdenticalIsZeroAndOfKnownPairByHand() {
        long[] p = {0, 3, 5, 0, 2};
        assertEquals(0.0, Metrics.klDivergence(p, p.clone()), EPS);
        // p = (1, 0), q = (0, 1) → smoothed (1.5, 0.5)/2 and (0.5, 1.5)/2 = (3/4, 1/4) vs (1/4, 3/4).
        double expected = 0.75 * Math.log(3) + 0.25 * Math.log(1.0 / 3);
        assertEquals(expected, Metrics.klDivergence(new long[] {1, 0}, new long[] {0, 1}), EPS);
        // Bins empty in both do not change the value.
        assertEquals(expected, Metrics.klDivergence(new long[] {1, 0, 0}, new long[] {0, 1, 0}), EPS);
    }

    @Test
    void percentilesAndSharesByHand() {
        float[] v = {5, 1, 4, 2, 3}; // sorted 1 2 3 4 5
        assertEquals(3.0, Metrics.percentile(v, 50), EPS);
        assertEquals(1.0, Metrics.percentile(v, 0), EPS);
        assertEquals(5.0, Metrics.percentile(v, 100), EPS);
        assertEquals(4.8, Metrics.percentile(v, 95), 1e-6); // rank 3.8 → 4 + 0.8
        assertEquals(2.0 / 5, Metrics.shareAbove(v, 3.0), EPS);
        assertEquals(1.0 / 5, Metrics.shareBelow(v, 2.0), EPS);
    }

    @Test
    void histogramBinsOnLog10AndClampsTheTail() {
        Histogram h = Histogram.of(new float[] {1f, 10f, 10.5f, 100f, 1e7f});
        assertEquals(5, h.total());
        assertEquals(1, h.counts()[0]); // log10 1 = 0
        assertEquals(2, h.counts()[20]); // 1.0 and 1.021 fall in [1.00, 1.05)
        assertEquals(1, h.counts()[40]); // log10 100 = 2
        assertEquals(1, h.counts()[Histogram.BINS - 1]); // 1e7 beyond 10^5 → last bin
        double area = 0;
        for (double d : h.density()) {
            area += d * Histogram.BIN_WIDTH;
        }
        assertEquals(1.0, area, 1e-12);
    }
}
