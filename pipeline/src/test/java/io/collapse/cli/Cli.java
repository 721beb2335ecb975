package io.collapse.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs {@code collapse} in process, as {@link CollapseCli#main} would, and keeps what it printed. */
final class Cli {

    /** The exit code and the text written to stdout and stderr. */
    record Result(int code, String out, String err) {}

    private Cli() {}

    /** {@code collapse args...}: {@code Cli.run("score", "--model", dir, ...)}. */
    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = CollapseCli.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
