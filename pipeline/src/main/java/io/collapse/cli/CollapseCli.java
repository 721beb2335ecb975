package io.collapse.cli;

import io.collapse.io.ErrorLines;
import io.collapse.pipeline.RunManifest;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `collapse` launcher: one subcommand class per command. */
@Command(
        name = "collapse",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT,
        version = "collapse " + RunManifest.VERSION,
        description = "Model-collapse experiments (The Curse of Recursion) on DJL + PyTorch.",
        subcommands = {
            RunCommand.class,
            ResumeCommand.class,
            StatusCommand.class,
            InfoCommand.class,
            ExportCommand.class,
            DataCommand.class,
            ReportCommand.class,
            GenerateCommand.class,
            BenchCommand.class,
            ScoreCommand.class,
            EvalCommand.class,
            TrainCommand.class,
            NativeCommand.class,
            BundleCommand.class,
            CommandLine.HelpCommand.class
        })
public final class CollapseCli extends GroupCommand {

    /** The command line with the project's error handling; tests call {@code execute} on it. */
    public static CommandLine commandLine() {
        CliSupport.offlineByDefault();
        CommandLine cl = new CommandLine(new CollapseCli());
        // An empty path is the current folder to Path.of: `report ''` would read it as a sweep, --cache-dir '' write there.
        cl.registerConverter(Path.class, s -> {
            if (s.isBlank()) {
                throw new CommandLine.TypeConversionException("expected a path, got an empty string");
            }
            return Path.of(s);
        });
        cl.setExecutionExceptionHandler(
                (ex, cmd, parsed) -> {
                    cmd.getErr().println("error: " + ErrorLines.oneLine(ex));
                    if (Boolean.getBoolean("collapse.stacktrace")) {
                        ex.printStackTrace(cmd.getErr());
                    }
                    return 1;
                });
        return cl;
    }

    public static void main(String[] args) {
        int code;
        try {
            code = commandLine().execute(args);
        } catch (OutOfMemoryError e) { // an Error, which picocli's handler above never sees
            System.err.println("error: the Java heap ran out (" + e.getMessage() + ", at most "
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB); give it more with COLLAPSE_JAVA_OPTS=-Xmx16g");
            code = 1;
        }
        System.exit(code);
    }
}
