package io.collapse.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Speed measurements, one subcommand per workload; each prints one JSON line per measurement. */
@Command(name = "bench", description = "Measure speed; one JSON line per measurement.",
        subcommands = {BenchGenerateCommand.class, BenchEvalCommand.class, BenchTrainCommand.class})
final class BenchCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }
}
