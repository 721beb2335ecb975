package io.collapse.cli;

import io.collapse.config.RunConfig;
import io.collapse.pipeline.RunManifest;
import io.collapse.pipeline.RunPlan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Continues a run with the config stored in its run.json. */
@Command(name = "resume", description = "Continue a run directory after a crash or kill, with the config it was started with.")
public final class ResumeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN_DIR")
    Path runDir;

    @Mixin RunDisplayOptions display;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RunConfig cfg = RunManifest.readConfig(runDir);
        PrintWriter out = spec.commandLine().getOut();
        out.println("resuming " + cfg.name() + " (seed " + cfg.experiment().seed() + ") in " + runDir);
        out.flush();
        display.run(cfg, runDir, null, out);
        out.println(RunPlan.summary(runDir));
        return 0;
    }
}
