package io.collapse.cli;

import io.collapse.config.RunConfig;
import io.collapse.pipeline.RunFiles;
import io.collapse.pipeline.RunLock;
import io.collapse.pipeline.RunPlan;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Runs the experiment: one run directory per (config, seed). Re-running the same command continues
 * where it stopped, which is what a requeued cluster job does.
 */
@Command(name = "run", description = "Run the model-collapse experiment: generation 0 trains on real data, each"
        + " generation writes the next one's corpus; evaluation and the report after every generation. Without"
        + " CONFIG: configs/demo-cpu.json, the embedded default (a small model, minutes on a CPU). A run directory"
        + " made by the same config is resumed.")
public final class RunCommand implements Callable<Integer> {

    static final String DEFAULT_CONFIG = "demo-cpu.json";

    @Parameters(arity = "0..*", paramLabel = "CONFIG",
            description = "Config files (JSON); a bundled config may be named alone, e.g. paper-5ep-no-data.")
    List<String> configs = new ArrayList<>();

    @Option(names = "--set", paramLabel = "PATH=VALUE",
            description = "Override a config field, e.g. --set train.epochs=3 --set experiment.keep_fraction=0.1")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--seed", description = "Master seed (experiment.seed) of the run.")
    Long seed;

    @Option(names = "--seeds", split = ",", paramLabel = "S1,S2,...",
            description = "A sweep: one run per seed (and per CONFIG) under --sweep-dir.")
    List<Long> seeds;

    @Option(names = "--run-dir", paramLabel = "DIR", description = "The run directory (default: RUNS/<name>-seed<S>).")
    Path runDir;

    @Option(names = "--sweep-dir", paramLabel = "DIR", description = "Where a sweep's runs go (default: RUNS/sweep).")
    Path sweepDir;

    @Option(names = "--runs", paramLabel = "RUNS",
            description = "Root of run directories (default: $COLLAPSE_RUN_ROOT, else <repo>/checkpoints).")
    Path runsRoot;

    @Mixin RunDisplayOptions display;

    @Mixin Stdout stdout;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = stdout.out();
        List<RunConfig> base = new ArrayList<>();
        for (String c : configs.isEmpty() ? List.of(DEFAULT_CONFIG) : configs) {
            base.add(RunConfig.load(c, overrides));
        }
        if (seed != null && seeds != null) {
            throw new IllegalArgumentException("--seed " + seed + " and --seeds " + seeds + ": give one (--seeds S"
                    + " --sweep-dir DIR for a sweep of one seed)");
        }
        boolean sweepAsked = seeds != null || base.size() > 1; // --seed or a config's own seed: one run
        RunPlan plan = RunPlan.of(base, seeds != null ? seeds : seed != null ? List.of(seed) : null, runDir,
                sweepAsked ? sweepDir : null, runsRoot);
        if (plan.isSweep()) {
            plan.writeSweep();
        } else if (sweepDir != null) {
            stdout.err().println("warning: --sweep-dir " + sweepDir + " not used: this one run goes to "
                    + plan.runs().get(0).dir() + (sweepAsked ? ", where it was begun" : " (a sweep is --seeds or several configs)"));
        }
        boolean sweepReportWritten = false;
        for (RunPlan.Run run : plan.runs()) {
            RunConfig c = run.config();
            out.println((Files.exists(run.dir().resolve(RunFiles.RUN)) ? "resuming " : "starting ") + c.name()
                    + " (seed " + c.experiment().seed() + ") in " + run.dir());
            out.flush();
            boolean reportWritten;
            try {
                reportWritten = display.run(c, overrides, run.dir(), plan.sweepRoot(), out);
            } catch (RunLock.HeldException e) {
                if (!plan.isSweep()) {
                    throw e;
                }
                // A sweep submitted twice shares the work: each process takes the runs nobody holds.
                out.println("skipping: " + e.getMessage());
                continue;
            }
            out.println(RunPlan.summary(run.dir(), reportWritten));
            sweepReportWritten |= reportWritten; // a run's report rewrites its sweep's
        }
        if (plan.isSweep() && Files.isRegularFile(plan.sweepRoot().resolve(RunFiles.REPORT).resolve(RunFiles.INDEX))) {
            out.println("sweep report: " + RunPlan.report(plan.sweepRoot(), sweepReportWritten));
        }
        out.flush();
        return 0;
    }
}
