package io.collapse.generate;

import java.util.Arrays;

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
}
