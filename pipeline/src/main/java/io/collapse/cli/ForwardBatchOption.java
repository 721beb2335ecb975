package io.collapse.cli;

import picocli.CommandLine.Option;

/** {@code --batch-size} of the scoring commands (a {@code @Mixin}): rows per forward pass, no optimizer. */
final class ForwardBatchOption {

    @Option(names = "--batch-size", defaultValue = "16", description = "Blocks per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;
}
