package io.collapse.cli;

import io.collapse.config.LmConfig;
import picocli.CommandLine.Option;

/**
 * {@code --block-size} (a {@code @Mixin}): the tokens in a block, as data, eval, train and the
 * benchmarks cut text. Read through {@link #tokens}, which checks it the one way a config's
 * data.block_size is checked: a block holds at least an input token and the next one to predict.
 */
final class BlockSizeOption {

    @Option(names = "--block-size", defaultValue = "64", paramLabel = "N",
            description = "Tokens per block, at least 2 (default: ${DEFAULT-VALUE}).")
    int blockSize;

    /** No model has a million positions; a typo's billion would be allocated before a block is cut. */
    static final int MAX_TOKENS = 1 << 20;

    int tokens() {
        if (blockSize < 2 || blockSize > MAX_TOKENS) {
            throw new IllegalArgumentException("--block-size: expected 2.." + MAX_TOKENS + ", got " + blockSize);
        }
        return blockSize;
    }

    /** {@link #tokens}, and no more than {@code model} has positions for; checked before a split is cut into useless blocks. */
    int tokens(LmConfig model) {
        int positions = model.maxPositionEmbeddings();
        if (blockSize < 2 || blockSize > positions) {
            throw new IllegalArgumentException("--block-size: expected 2.." + positions + " (the model's"
                    + " max_position_embeddings), got " + blockSize);
        }
        return blockSize;
    }
}
