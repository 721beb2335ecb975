package io.collapse.cli;

import io.collapse.config.ConfigLoader;
import io.collapse.config.RunConfig;
import io.collapse.io.AtomicFiles;
import io.collapse.pipeline.Experiment;
import io.collapse.pipeline.RunFiles;
import io.collapse.pipeline.RunLock;
import io.collapse.report.Report;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

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

    @Option(names = "--no-progress", description = "No progress bars (log lines only).")
    boolean noProgress;

    @Option(names = "--no-report", description = "Do not write the report after each generation.")
    boolean noReport;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<RunConfig> base = new ArrayList<>();
        for (String c : configs.isEmpty() ? List.of(DEFAULT_CONFIG) : configs) {
            base.add(loadConfig(c, overrides));
        }
        List<Long> runSeeds = seeds != null ? seeds : seed != null ? List.of(seed) : null;
        List<RunConfig> runs = new ArrayList<>();
        for (RunConfig c : base) {
            if (runSeeds == null) {
                runs.add(c);
            } else {
                runSeeds.forEach(s -> runs.add(c.withSeed(s)));
            }
        }
        boolean sweep = runs.size() > 1;
        if (sweep && runDir != null) {
            throw new IllegalArgumentException("--run-dir names one run; a sweep (" + runs.size() + " runs) takes --sweep-dir");
        }
        Path root = runsRoot != null ? runsRoot : defaultRunsRoot();
        Path sweepRoot = sweep ? (sweepDir != null ? sweepDir : root.resolve("sweep")) : null;
        List<Path> dirs = new ArrayList<>();
        for (RunConfig c : runs) {
            String name = c.name() + "-seed" + c.experiment().seed();
            dirs.add(runDir != null ? runDir : (sweep ? sweepRoot : root).resolve(name));
        }
        if (sweep) {
            writeSweep(sweepRoot, dirs);
        }
        for (int i = 0; i < runs.size(); i++) {
            RunConfig c = runs.get(i);
            Path dir = dirs.get(i);
            out.println((Files.exists(dir.resolve(RunFiles.RUN)) ? "resuming " : "starting ") + c.name()
                    + " (seed " + c.experiment().seed() + ") in " + dir);
            out.flush();
            try {
                Experiment.run(c, dir, CorpusBar.runBars(!noProgress), System.out, noReport ? Experiment.Listener.NONE : (d, k) -> {
                    Report.write(List.of(d), d.resolve(RunFiles.REPORT));
                    if (sweep) {
                        Report.write(List.of(sweepRoot), sweepRoot.resolve(RunFiles.REPORT));
                    }
                });
            } catch (RunLock.HeldException e) {
                if (!sweep) {
                    throw e;
                }
                // A sweep submitted twice shares the work: each process takes the runs nobody holds.
                out.println("skipping: " + e.getMessage());
                continue;
            }
            out.println(summary(dir));
        }
        if (sweep) {
            out.println("sweep report: " + sweepRoot.resolve(RunFiles.REPORT).resolve("index.html"));
        }
        out.flush();
        return 0;
    }

    /** A config file, or a bundled config by file name ("paper-5ep-no-data" or "configs/paper-5ep-no-data.json"). */
    static RunConfig loadConfig(String arg, List<String> overrides) throws IOException {
        Path file = Path.of(arg);
        if (Files.isRegularFile(file)) {
            return RunConfig.load(file, overrides);
        }
        String name = file.getFileName().toString();
        name = name.endsWith(".json") ? name : name + ".json";
        try (InputStream in = RunCommand.class.getResourceAsStream("/configs/" + name)) {
            if (in == null) {
                throw new IOException("config not found: " + arg + " (neither a file nor a bundled config; bundled: "
                        + "demo-cpu, paper-5ep-no-data, paper-10ep-10pct, smoke)");
            }
            return ConfigLoader.fromTree(ConfigLoader.JSON.readTree(in), RunConfig.class, overrides, "bundled configs/" + name);
        }
    }

    static Path defaultRunsRoot() {
        String env = System.getenv("COLLAPSE_RUN_ROOT");
        String prop = System.getProperty("collapse.run.root");
        if (prop != null) {
            return Path.of(prop);
        }
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("collapse.repo", ".")).resolve("checkpoints");
    }

    private static void writeSweep(Path sweepRoot, List<Path> dirs) throws IOException {
        Map<String, Object> sweep = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        dirs.forEach(d -> names.add(d.getFileName().toString()));
        sweep.put("runs", names);
        AtomicFiles.writeString(sweepRoot.resolve("sweep.json"), ConfigLoader.JSON.writeValueAsString(sweep));
    }

    static String summary(Path dir) {
        return "results: " + dir + "\n  per generation: " + dir.resolve("gen-NN").resolve(RunFiles.EVAL)
                + "\n  report: " + dir.resolve(RunFiles.REPORT).resolve("index.html")
                + "\n  status: ./collapse status " + dir;
    }
}
