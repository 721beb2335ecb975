package io.collapse.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.collapse.data.TokenBlocks;
import io.collapse.model.Tensors;

/**
 * Rows {@code order[from..to)} of {@code blocks}: an optimizer step's batch, a micro-batch of it, or a
 * worker's share of that.
 */
record Batch(TokenBlocks blocks, int[] order, int from, int to) {

    /** B: the rows. */
    int rows() {
        return to - from;
    }

    /** Rows {@code order[from..to)} of the same blocks. */
    Batch slice(int from, int to) {
        return new Batch(blocks, order, from, to);
    }

    /** The rows' ids as an int32 (B, T) array in {@code manager}. */
    NDArray inputIds(NDManager manager) {
        int t = blocks.blockSize();
        int[] ids = new int[rows() * t];
        for (int i = from; i < to; i++) {
            blocks.copyBlock(order[i], ids, (i - from) * t);
        }
        return Tensors.of(manager, ids, new Shape(rows(), t)); // (B, T)
    }
}
