package io.collapse.cli;

import picocli.CommandLine.Command;

/** Speed measurements, one subcommand per workload; each prints one JSON line per measurement. */
@Command(name = "bench", description = "Measure speed; one JSON line per measurement.",
        subcommands = {BenchGenerateCommand.class, BenchEvalCommand.class, BenchTrainCommand.class})
final class BenchCommand extends GroupCommand {}
