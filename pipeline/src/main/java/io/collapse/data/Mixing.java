package io.collapse.data;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training sets of later generations, built from whole blocks. Two regimes: {@link #keepOriginal}
 * (the paper's: the corpus keeps its size, a share of it is original data) and {@link #accumulate}
 * (every corpus so far, concatenated).
 */
public final class Mixing {

    private Mixing() {}

    /**
     * The synthetic corpus with a fraction {@code keep} of its blocks replaced by original ones:
     * {@code k = round(keep * N)} positions are drawn uniformly without replacement from {@code [0, N)}
     * with {@code new SplittableRandom(seed)} (a partial Fisher-Yates shuffle), and at each drawn position {@code i}
     * block {@code i} of the result is original block {@code i}; every other position keeps synthetic
     * block {@code i}. Synthetic block {@code i} continues the prompt at position {@code i}, so a
     * position holds either that prompt's original text or its synthetic continuation, never both.
     * The result has N blocks. Pass a different seed per generation for a fresh sample.
     */
    public static TokenBlocks keepOriginal(TokenBlocks original, TokenBlocks synthetic, double keep, long seed) {
        if (!(keep >= 0 && keep <= 1)) {
            throw new IllegalArgumentException("keep: expected a fraction in [0, 1], got " + keep);
        }
        if (original.numBlocks() != synthetic.numBlocks() || original.blockSize() != synthetic.blockSize()) {
            throw new IllegalArgumentException("original has " + original.numBlocks() + " blocks of " + original.blockSize()
                    + ", synthetic " + synthetic.numBlocks() + " of " + synthetic.blockSize() + "; expected the same");
        }
        int n = synthetic.numBlocks();
        int t = synthetic.blockSize();
        boolean[] fromOriginal = new boolean[n];
        for (int i : sample(n, (int) Math.round(keep * n), seed)) {
            fromOriginal[i] = true;
        }
        int[] ids = new int[n * t];
        for (int i = 0; i < n; i++) {
            (fromOriginal[i] ? original : synthetic).copyBlock(i, ids, i * t);
        }
        return TokenBlocks.of(ids, t);
    }

    /**
     * {@code k} distinct indices of {@code [0, n)}, in draw order, from {@code new SplittableRandom(seed)},
     * which mixes its seed: a run's generations pass neighbouring seeds, and {@code java.util.Random}'s
     * first draws from neighbouring seeds nearly agree (for n = 256, the same first index 9 times in 10).
     */
    static int[] sample(int n, int k, long seed) {
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(n - i);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        return Arrays.copyOf(perm, k);
    }

    /** All blocks of {@code corpora}, in the order given (e.g. original, then generation 1, 2, ...). */
    public static TokenBlocks accumulate(List<TokenBlocks> corpora) {
        if (corpora.isEmpty()) {
            throw new IllegalArgumentException("corpora: expected at least one corpus");
        }
        int t = corpora.get(0).blockSize();
        long total = 0;
        for (TokenBlocks c : corpora) {
            if (c.blockSize() != t) {
                throw new IllegalArgumentException("block sizes differ: " + t + " and " + c.blockSize());
            }
            total += (long) c.numBlocks() * t;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("accumulated corpus too large: " + total + " ids");
        }
        int[] ids = new int[(int) total];
        int off = 0;
        for (TokenBlocks c : corpora) {
            for (int i = 0; i < c.numBlocks(); i++) {
                c.copyBlock(i, ids, off);
                off += t;
            }
        }
        return TokenBlocks.of(ids, t);
    }
}
