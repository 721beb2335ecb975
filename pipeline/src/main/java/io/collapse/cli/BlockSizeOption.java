package io.collapse.cli;

import picocli.CommandLine.Option;

/** {@code --block-size} (a {@code @Mixin}): the tokens in a block, as data, eval, train and the benchmarks cut text. */
final class BlockSizeOption {

    @Option(names = "--block-size", defaultValue = "64", description = "Tokens per block (default: ${DEFAULT-VALUE}).")
    int blockSize;
}
