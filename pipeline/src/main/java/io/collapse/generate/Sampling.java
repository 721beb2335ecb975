package io.collapse.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.collapse.model.Scope;
import io.collapse.model.Tensors;
import java.util.Arrays;
import java.util.List;

/**
 * One token per row per step: transformers 4.35's {@code greedy_search} (with {@link Sampler#GREEDY})
 * and {@code sample} (with a multinomial sampler and the warpers). A row that emits EOS is done: it
 * continues with pad ids in the output and leaves the batch, so it costs no more compute; the loop
 * ends when every row is done or at max_new_tokens.
 */
final class Sampling {

    private Sampling() {}

    /**
     * @param state the prompts, already expanded to their rows (n consecutive rows per prompt)
     * @param processors HF's logits processors, then (sampling only) the warpers
     */
    static GenerateResult run(DecodeState state, List<LogitsProcessor> processors,
            Sampler sampler, int maxNewTokens, int padId, List<Integer> eosIds) {
        int rows = state.rows();
        int promptLength = state.length();
        int[][] prompt = state.ids();
        int[][] tokens = new int[rows][maxNewTokens];
        float[][] chosen = new float[rows][maxNewTokens];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(tokens[r], padId);
            Arrays.fill(chosen[r], Float.NaN);
        }
        int[] active = new int[rows]; // for each row of the state, its index among all rows
        for (int r = 0; r < rows; r++) {
            active[r] = r;
        }
        int steps = 0;
        while (steps < maxNewTokens && active.length > 0) {
            int[] next;
            float[] score;
            try (Scope step = state.step()) {
                NDArray scores = LogitsProcessor.applyAll(processors, state.nextLogits(step), state.ids()); // (R, V)
                next = sampler.choose(scores, active);
                NDArray index = Tensors.of(step.manager(), toLongs(next), new Shape(next.length, 1)); // (R, 1)
                score = scores.gather(index, 1).toFloatArray();
            }
            int[] keep = new int[active.length];
            int kept = 0;
            for (int i = 0; i < active.length; i++) {
                tokens[active[i]][steps] = next[i];
                chosen[active[i]][steps] = score[i];
                if (!eosIds.contains(next[i])) {
                    keep[kept++] = i;
                }
            }
            steps++;
            state.append(next);
            if (kept < active.length) {
                keep = Arrays.copyOf(keep, kept);
                state.select(keep);
                int[] stillActive = new int[kept];
                for (int i = 0; i < kept; i++) {
                    stillActive[i] = active[keep[i]];
                }
                active = stillActive;
            }
        }
        int[][] sequences = new int[rows][];
        float[][] scores = new float[rows][];
        for (int r = 0; r < rows; r++) {
            sequences[r] = Arrays.copyOf(prompt[r], promptLength + steps);
            System.arraycopy(tokens[r], 0, sequences[r], promptLength, steps);
            scores[r] = Arrays.copyOf(chosen[r], steps);
        }
        return new GenerateResult(sequences, promptLength, null, scores, steps);
    }

    static long[] toLongs(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
