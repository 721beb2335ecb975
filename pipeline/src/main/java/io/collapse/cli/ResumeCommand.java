package io.collapse.cli;

import io.collapse.config.RunConfig;
import io.collapse.pipeline.RunManifest;
import io.collapse.pipeline.RunPlan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Continues a run with the config stored in its run.json. */
@Command(name = "resume", description = "Continue a run directory after a crash or kill, with the config it was started with.")
public final class ResumeCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN_DIR")
    Path runDir;

    @Option(names = "--set", paramLabel = "SETTING=VALUE",
            description = "Continue with another train.micro_batch or experiment.corpus_batch (e.g. after the device"
                    + " ran out of memory); recorded in run.json. Nothing else may change.")
    List<String> overrides = new ArrayList<>();

    @Mixin RunDisplayOptions display;

    @Mixin Stdout stdout;

    @Override
    public Integer call() throws Exception {
        RunConfig cfg = RunManifest.readConfig(runDir, overrides);
        PrintWriter out = stdout.out();
        out.println("resuming " + cfg.name() + " (seed " + cfg.experiment().seed() + ") in " + runDir);
        out.flush();
        boolean reportWritten = display.run(cfg, overrides, runDir, null, out);
        out.println(RunPlan.summary(runDir, reportWritten));
        return 0;
    }
}
