package io.collapse.text;

/**
 * Sequences left-padded to the longest one, as HF's {@code tokenizer(texts, padding=True)} with
 * OPT's {@code padding_side="left"}: generation appends on the right, so real tokens must end there.
 *
 * @param inputIds      (B, T) pad id before each row's tokens
 * @param attentionMask (B, T) 0 at pads, 1 at real tokens
 */
public record PaddedBatch(int[][] inputIds, int[][] attentionMask) {

    public PaddedBatch {
        if (inputIds.length != attentionMask.length) {
            throw new IllegalArgumentException("inputIds has " + inputIds.length + " rows but attentionMask "
                    + attentionMask.length);
        }
    }
}
