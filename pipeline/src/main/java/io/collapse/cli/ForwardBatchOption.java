package io.collapse.cli;

import io.collapse.config.Check;
import picocli.CommandLine.Option;

/**
 * {@code --batch-size} of the commands that only score (eval, score, bench eval; a {@code @Mixin}): no
 * optimizer step. Read through {@link #size}, checked before any estimate or work uses it.
 */
final class ForwardBatchOption {

    @Option(names = "--batch-size", defaultValue = "16", description = "Sequences (blocks) per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    int size() {
        Check.atLeast("--batch-size", batchSize, 1);
        return batchSize;
    }
}
