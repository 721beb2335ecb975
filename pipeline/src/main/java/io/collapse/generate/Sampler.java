package io.collapse.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
            int count = rows.length;
            float[] u = new float[count];
            for (int i = 0; i < count; i++) {
                // (0, 1]: a zero would pick a token of probability zero.
                u[i] = (float) (1.0 - streams[rows[i]].nextDouble());
            }
            NDManager m = scores.getManager();
            NDArray cdf = scores.softmax(1).cumSum(1); // (R, V)
            NDArray target = Tensors.of(m, u, new Shape(count, 1)).mul(cdf.get(new NDIndex(":, -1:"))); // (R, 1)
            // The first token whose cumulative probability reaches the target.
            NDArray below = cdf.lt(target).toType(DataType.INT32, false).sum(new int[] {1}); // (R)
            long vocab = scores.getShape().get(1);
            return below.minimum(vocab - 1).toType(DataType.INT32, false).toIntArray();
        };
    }

    /** SplitMix64 finaliser over (seed, prompt, copy): well-spread seeds from neighbouring indices. */
    static long streamSeed(long seed, long prompt, int copy) {
        long z = seed;
        for (long v : new long[] {prompt, copy}) {
            z += 0x9E3779B97F4A7C15L + v;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
        }
        return z;
    }
}
