package io.collapse.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.config.ConfigLoader;
import io.collapse.config.RunConfig;
import io.collapse.io.AtomicFiles;
import io.collapse.io.ErrorLines;
import io.collapse.io.JsonFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where the runs of one {@code collapse run} go: one run directory per (config, seed), named
 * {@code <name>-seed<S>}; a sweep (more than one run) puts them under one folder listed in its
 * {@code sweep.json}.
 *
 * @param runs every run with its directory, configs first, then seeds
 * @param sweepRoot the sweep's folder, null for a single run
 */
public record RunPlan(List<Run> runs, Path sweepRoot) {

    /** One experiment and its run directory. */
    public record Run(RunConfig config, Path dir) {}

    public RunPlan {
        runs = List.copyOf(runs);
    }

    /**
     * @param seeds one run per seed and config (null: each config's own experiment.seed)
     * @param runDir the directory of a single run (null: {@code root/<name>-seed<S>})
     * @param sweepDir a sweep's folder (null: {@code root/sweep}); given, it holds even a sweep of one run, unless
     *     that run was begun in {@code root/<name>-seed<S>} (where an earlier collapse put it), which it continues
     * @param root where run directories go (null: {@link #defaultRoot()})
     */
    public static RunPlan of(List<RunConfig> configs, List<Long> seeds, Path runDir, Path sweepDir, Path root) {
        List<RunConfig> all = new ArrayList<>();
        for (RunConfig c : configs) {
            if (seeds == null) {
                all.add(c);
            } else {
                seeds.forEach(s -> all.add(c.withSeed(s)));
            }
        }
        Path runsRoot = root != null ? root : defaultRoot();
        boolean sweep = all.size() > 1 || (sweepDir != null && !begunOutside(all.get(0), runsRoot));
        if (sweep && runDir != null) {
            throw new IllegalArgumentException("--run-dir names one run; a sweep (" + all.size() + " runs) takes --sweep-dir");
        }
        Path sweepRoot = sweep ? (sweepDir != null ? sweepDir : runsRoot.resolve("sweep")) : null;
        List<Run> runs = new ArrayList<>();
        for (RunConfig c : all) {
            runs.add(new Run(c, runDir != null ? runDir : (sweep ? sweepRoot : runsRoot).resolve(name(c))));
        }
        return new RunPlan(runs, sweepRoot);
    }

    private static String name(RunConfig c) {
        return c.name() + "-seed" + c.experiment().seed();
    }

    /** Whether {@code c}'s run was begun in the runs root, where an earlier collapse put a sweep of one seed. */
    private static boolean begunOutside(RunConfig c, Path runsRoot) {
        return Files.isRegularFile(runsRoot.resolve(name(c)).resolve(RunFiles.RUN));
    }

    public boolean isSweep() {
        return sweepRoot != null;
    }

    /** Writes {@code sweep.json}; a later sweep into the same folder adds its runs to those listed, never drops them. */
    public void writeSweep() throws IOException {
        Path file = sweepRoot.resolve(RunFiles.SWEEP);
        if (Files.isDirectory(sweepRoot) && !Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            // A sweep begins in a new or empty folder: its runs and report must not mix with the user's files.
            Set<String> own = new LinkedHashSet<>();
            runs.forEach(r -> own.add(r.dir().getFileName().toString()));
            // A kill's temporary sweep.json is ours; so is a sweep.json written since the check above, by
            // a second process started on the same sweep at the same instant.
            List<String> foreign = AtomicFiles.othersIn(sweepRoot, n -> own.contains(n) || n.equals(RunFiles.SWEEP)
                    || AtomicFiles.isLeftover(sweepRoot.resolve(n)));
            if (!foreign.isEmpty()) {
                throw new IOException(sweepRoot + ": holds " + ErrorLines.names(foreign) + " but no " + RunFiles.SWEEP
                        + "; expected a new or empty folder, or a sweep directory to continue");
            }
        }
        Set<String> names = new LinkedHashSet<>(Files.isRegularFile(file) ? sweepNames(file) : List.of());
        runs.forEach(r -> names.add(r.dir().getFileName().toString()));
        JsonFiles.write(ConfigLoader.JSON, file, Map.of("runs", List.copyOf(names)));
    }

    /** -Dcollapse.run.root, else $COLLAPSE_RUN_ROOT, else {@code <repo>/checkpoints}. */
    static Path defaultRoot() {
        String prop = System.getProperty("collapse.run.root");
        if (prop != null) {
            return Path.of(prop);
        }
        String env = System.getenv("COLLAPSE_RUN_ROOT");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("collapse.repo", ".")).resolve("checkpoints");
    }

    /**
     * Where a run's results are, for the user at its end; the report only where one was written, and
     * one left from an earlier start (this one wrote none: --no-report, or nothing left to run) named as such.
     *
     * @param reportWritten whether this start wrote the report
     */
    public static String summary(Path dir, boolean reportWritten) {
        return "results: " + dir + "\n  per generation: " + dir.resolve("gen-NN").resolve(RunFiles.EVAL)
                + "\n  report: " + report(dir, reportWritten) + "\n  status: ./collapse status " + dir;
    }

    /**
     * The report of a run or sweep folder for an end-of-run summary: its page, with a note where this
     * start did not write it, or "none written".
     *
     * @param written whether this start wrote it
     */
    public static String report(Path dir, boolean written) {
        Path index = dir.resolve(RunFiles.REPORT).resolve(RunFiles.INDEX);
        String update = "./collapse report " + dir;
        return !Files.isRegularFile(index) ? "none written (" + update + ")"
                : written ? index.toString()
                : index + " (from an earlier start; " + update + " brings it up to date)";
    }

    /**
     * The run directories named by the arguments: a directory with run.json is a run; a sweep
     * directory gives the runs its sweep.json lists, or else its sub-directories that hold run.json.
     *
     * @param starting also a directory with only the run.lock of a first start that has not written
     *     run.json (for status, which says so; a report written there would block that run's next start)
     */
    public static List<Path> discover(List<Path> paths, boolean starting) throws IOException {
        Map<Path, Path> runs = new LinkedHashMap<>(); // by real path: a run named twice is read once
        for (Path p : paths) {
            for (Path run : runsIn(p, starting)) {
                runs.putIfAbsent(Files.exists(run) ? run.toRealPath() : run.toAbsolutePath().normalize(), run);
            }
        }
        return List.copyOf(runs.values());
    }

    /** The run folders a sweep.json lists, by name. */
    private static List<String> sweepNames(Path file) throws IOException {
        JsonNode sweep = ConfigLoader.JSON.readTree(file.toFile());
        if (!sweep.path("runs").isArray()) {
            throw new IOException(file + ": expected {\"runs\": [names]}");
        }
        List<String> names = new ArrayList<>();
        for (JsonNode name : sweep.get("runs")) {
            // A folder of the sweep's, by name: "../x", "/x" or "a/b" would read runs from anywhere.
            if (!name.isTextual() || name.asText().isBlank() || !name.asText().matches("[^/\\\\]+")
                    || name.asText().matches("\\.\\.?")) {
                throw new IOException(file + ": expected the names of the sweep's run folders in \"runs\", got " + name);
            }
            names.add(name.asText());
        }
        return names;
    }

    /**
     * The runs one argument names: itself (with run.json, or with only the run.lock of a start that has
     * not written it), its sweep.json's list, or its sub-directories with run.json.
     */
    private static List<Path> runsIn(Path p, boolean starting) throws IOException {
        if (!Files.isDirectory(p)) {
            throw new IOException(p + (Files.exists(p) ? ": not a directory" : ": no such folder (yet?)")
                    + "; expected a run directory or a sweep directory");
        }
        if (Files.isRegularFile(p.resolve(RunFiles.RUN))) {
            return List.of(p);
        }
        if (Files.isRegularFile(p.resolve(RunFiles.SWEEP))) {
            return sweepNames(p.resolve(RunFiles.SWEEP)).stream().map(p::resolve).toList();
        }
        try (Stream<Path> children = Files.list(p)) {
            List<Path> found = children.filter(c -> Files.isRegularFile(c.resolve(RunFiles.RUN))).sorted().toList();
            if (!found.isEmpty()) {
                return found;
            }
        }
        RunFiles.refuseTrainingFolder(p);
        if (starting && Files.exists(p.resolve(RunLock.FILE), LinkOption.NOFOLLOW_LINKS)) {
            return List.of(p); // a run whose first start has not written run.json yet (or was stopped before it)
        }
        throw new IOException(p + ": not a run directory (no run.json), nor a sweep's (no sweep.json,"
                + " no sub-directory with run.json)");
    }
}
