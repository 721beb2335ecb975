package io.collapse.cli;

import io.collapse.config.RunConfig;
import io.collapse.pipeline.Experiment;
import io.collapse.pipeline.RunFiles;
import io.collapse.pipeline.RunManifest;
import io.collapse.report.Report;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Continues a run with the config stored in its run.json. */
@Command(name = "resume", description = "Continue a run directory after a crash or kill, with the config it was started with.")
public final class ResumeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN_DIR")
    Path runDir;

    @Option(names = "--no-progress", description = "No progress bars (log lines only).")
    boolean noProgress;

    @Option(names = "--no-report", description = "Do not write the report after each generation.")
    boolean noReport;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RunConfig cfg = RunManifest.readConfig(runDir);
        spec.commandLine().getOut().println("resuming " + cfg.name() + " (seed " + cfg.experiment().seed() + ") in " + runDir);
        spec.commandLine().getOut().flush();
        Experiment.run(cfg, runDir, CorpusBar.runBars(!noProgress), System.out, noReport ? Experiment.Listener.NONE
                : (d, k) -> Report.write(List.of(d), d.resolve(RunFiles.REPORT)));
        spec.commandLine().getOut().println(RunCommand.summary(runDir));
        return 0;
    }
}
