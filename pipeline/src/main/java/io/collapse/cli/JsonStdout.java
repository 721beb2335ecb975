package io.collapse.cli;

import java.io.IOException;
import picocli.CommandLine.Option;

/** {@link Stdout} with the usual {@code --json} switch (a {@code @Mixin}); train and generate say more about theirs and declare it. */
final class JsonStdout extends Stdout {

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    /** With {@code --json}, {@code doc} as one line of JSON; else {@code lines}. */
    void print(Object doc, Lines lines) throws IOException {
        print(json, doc, lines);
    }
}
