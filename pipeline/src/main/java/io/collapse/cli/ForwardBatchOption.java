package io.collapse.cli;

import picocli.CommandLine.Option;

/** {@code --batch-size} of the commands that only score (eval, score, bench eval; a {@code @Mixin}): no optimizer step. */
final class ForwardBatchOption {

    @Option(names = "--batch-size", defaultValue = "16", description = "Sequences (blocks) per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;
}
