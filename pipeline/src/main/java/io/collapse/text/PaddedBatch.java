package io.collapse.text;

import java.util.Arrays;
import java.util.List;

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

    /** Left-pads {@code seqs} to the longest one with {@code padId} (the tokenizer's {@code padId()}). */
    public static PaddedBatch leftPad(List<int[]> seqs, int padId) {
        int width = 0;
        for (int[] s : seqs) {
            width = Math.max(width, s.length);
        }
        int[][] ids = new int[seqs.size()][width];      // (B, T)
        int[][] mask = new int[seqs.size()][width];     // (B, T)
        for (int b = 0; b < seqs.size(); b++) {
            int[] s = seqs.get(b);
            int pads = width - s.length;
            Arrays.fill(ids[b], 0, pads, padId);
            System.arraycopy(s, 0, ids[b], pads, s.length);
            Arrays.fill(mask[b], pads, width, 1);
        }
        return new PaddedBatch(ids, mask);
    }
}
