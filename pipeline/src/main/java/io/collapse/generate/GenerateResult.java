package io.collapse.generate;

import java.util.Arrays;
import java.util.List;

/**
 * What {@code generate} returns, laid out as HF's {@code GenerateOutput}.
 *
 * @param sequences (B·n, W) rows: the prompt as given (left pads included), then the new tokens; a
 *     row that ended early has its EOS and then pad ids; the n rows of a prompt are consecutive
 * @param promptLength T, the padded prompt width
 * @param sequencesScores beam search: each returned hypothesis's length-normalised score; else null
 * @param chosenScores greedy and sampling: (B·n, steps) processed score of each emitted token
 *     (after processors and warpers; NaN once the row had ended); else null
 * @param steps decoding steps run (HF: until every row ended or max_new_tokens)
 */
public record GenerateResult(int[][] sequences, int promptLength, float[] sequencesScores, float[][] chosenScores,
        int steps) {

    /** The tokens after the prompt, EOS and pads included. */
    public int[] newTokens(int row) {
        return Arrays.copyOfRange(sequences[row], promptLength, sequences[row].length);
    }

    /** The continuation itself: the new tokens up to (not including) the EOS that ended them, and without trailing pads. */
    public int[] continuation(int row, List<Integer> eosIds, int padId) {
        int[] tokens = newTokens(row);
        int n = 0;
        while (n < tokens.length && !eosIds.contains(tokens[n])) {
            n++;
        }
        int end = n;
        if (n == tokens.length) { // no EOS: only trailing pads go
            while (end > 0 && tokens[end - 1] == padId) {
                end--;
            }
        }
        return Arrays.copyOf(tokens, end);
    }
}
