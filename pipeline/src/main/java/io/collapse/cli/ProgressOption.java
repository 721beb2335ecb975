package io.collapse.cli;

import picocli.CommandLine.Option;

/** {@code --no-progress} (a {@code @Mixin}): the commands that draw progress bars on stderr. */
final class ProgressOption {

    @Option(names = "--no-progress", description = "No progress bars on stderr.")
    boolean off;

    boolean shown() {
        return !off;
    }
}
