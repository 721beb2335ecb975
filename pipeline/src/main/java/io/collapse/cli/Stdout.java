package io.collapse.cli;

import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Where a command prints (a {@code @Mixin}): the standard output picocli holds for it, which tests
 * replace with {@code setOut}. A result goes out as lines for people, or as one JSON object on one
 * line for scripts; {@link JsonStdout} adds the usual {@code --json} switch. The bare
 * {@code @Command} is what picocli asks of a mixin that declares no option.
 */
@Command
class Stdout {

    /** What a command prints for people. */
    interface Lines {
        void print(PrintWriter out) throws IOException;
    }

    @Spec(Spec.Target.MIXEE) CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** For notes beside the result, which must not mix into a --json line. */
    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** {@code doc} as one line of JSON. */
    void jsonLine(Object doc) throws IOException {
        print(true, doc, null);
    }

    /**
     * With {@code json}, {@code doc} as one line of JSON; else {@code lines}. Flushed either way: a
     * benchmark's lines are read as they come, one per measurement.
     */
    void print(boolean json, Object doc, Lines lines) throws IOException {
        PrintWriter out = out();
        if (json) {
            out.println(CliSupport.JSON.writeValueAsString(doc));
        } else {
            lines.print(out);
        }
        out.flush();
    }
}
