package io.collapse.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.collapse.model.Tensors;
import java.util.SplittableRandom;

/** Picks the next token of every row from its processed scores (R, V). */
interface Sampler {

    /**
     * @param scores (R, V) processed (and warped) scores
     * @param rows for each of the R rows, its index among all rows of the call (rows that ended are
     *     no longer passed, so this is how a row keeps its own random stream)
     */
    int[] choose(NDArray scores, int[] rows);

    /** HF greedy search: the first largest score. */
    Sampler GREEDY = (scores, rows) -> scores.argMax(1).toType(DataType.INT32, false).toIntArray();

    /**
     * HF multinomial sampling from softmax(scores), by inverse CDF on the device with one uniform
     * number per row drawn on the host. Row r (prompt {@code firstPrompt + r / perPrompt}, copy
     * {@code r % perPrompt}) draws from its own {@link SplittableRandom} seeded from (seed, prompt's
     * global index, copy), so a prompt's continuation does not depend on the batch it ran in, its
     * position there, or on when other rows ended.
     */
    static Sampler multinomial(long seed, long firstPrompt, int perPrompt, int totalRows) {
        SplittableRandom[] streams = new SplittableRandom[totalRows];
        for (int r = 0; r < totalRows; r++) {
            streams[r] = new SplittableRandom(streamSeed(seed, firstPrompt + r / perPrompt, r % perPrompt));
        }
        return (scores, rows) -> {
            double[] u = new double[rows.length];
            for (int i = 0; i < rows.length; i++) {
                u[i] = 1.0 - streams[rows[i]].nextDouble(); // (0, 1]: a zero would pick a token of probability zero
            }
            return inverseCdf(scores, u);
        };
    }

    /**
     * For each row, the first token whose cumulative probability reaches {@code u[r]} of the row's
     * total. The probabilities are float32 softmax, as HF's; their running sum is float64, so a
     * token keeps its own probability however far into the tail it lies (a float32 sum stops
     * growing near 1 and would never reach tokens below ~3e-8).
     *
     * @throws IllegalStateException for a row with nothing to draw (every score -inf), which torch's
     *     multinomial refuses too
     */
    static int[] inverseCdf(NDArray scores, double[] u) {
        int count = u.length;
        NDArray cdf = scores.softmax(1).toType(DataType.FLOAT64, false).cumSum(1); // (R, V)
        NDArray total = cdf.get(new NDIndex(":, -1:")); // (R, 1)
        NDArray target = Tensors.of(scores.getManager(), u, new Shape(count, 1)).mul(total); // (R, 1)
        // u <= 1, so target <= total = the last column, which is never below it: the count stays < V.
        NDArray below = cdf.lt(target).toType(DataType.INT32, false).sum(new int[] {1}); // (R)
        // A total that is NaN (all -inf: softmax 0/0) or not positive marks its row -1, read back with the picks.
        NDArray drawable = total.gt(Tensors.scalar(total, 0)).squeeze(1); // (R); a softmax sum is at most V, NaN when undrawable
        NDArray picks = below.toType(DataType.INT32, false); // (R)
        int[] tokens = NDArrays.where(drawable, picks, Tensors.scalar(picks, -1)).toIntArray();
        for (int r = 0; r < count; r++) {
            if (tokens[r] < 0) {
                throw new IllegalStateException("sampling: row " + r + " has no token left to draw (its scores are all -inf"
                        + " or not finite); the logits processors forbade the whole vocabulary");
            }
        }
        return tokens;
    }

    /**
     * SplitMix64 over (seed, prompt, copy), the seed mixed before an index joins it: neighbouring
     * seeds and indices give unrelated streams (seed + 1 must not replay seed's next prompt).
     */
    static long streamSeed(long seed, long prompt, int copy) {
        long z = mix(seed);
        for (long v : new long[] {prompt, copy}) {
            z = mix(z + v);
        }
        return z;
    }

    private static long mix(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
