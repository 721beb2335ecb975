package io.collapse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.config.ConfigLoader;
import io.collapse.config.RunConfig;
import io.collapse.pipeline.GenerationEval;
import io.collapse.pipeline.RunFiles;
import io.collapse.pipeline.RunManifest;
import io.collapse.pipeline.RunState;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Where a run is and what it has measured, read from its files only (safe while it runs). */
@Command(name = "status", description = "Show a run's generation, phase, progress, ETA and the metrics so far.")
public final class StatusCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN_DIR")
    Path runDir;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RunConfig cfg = RunManifest.readConfig(runDir);
        RunState state = RunState.read(runDir);
        int generations = cfg.experiment().generations();
        int totalPhases = generations * RunState.Phase.values().length;
        List<Map<String, Object>> gens = new ArrayList<>();
        for (int k = 0; k < generations; k++) {
            Path genDir = RunFiles.gen(runDir, k);
            if (!Files.exists(genDir.resolve(RunFiles.EVAL))) {
                continue;
            }
            GenerationEval ev = GenerationEval.read(genDir);
            Map<String, Object> g = new LinkedHashMap<>();
            g.put("generation", k);
            if (ev.test() != null) {
                g.put("test_loss", ev.test().loss());
                g.put("test_corpus_ppl", ev.test().corpusPpl());
                g.put("test_mean_batch_ppl", ev.test().meanBatchPpl());
            }
            if (ev.corpus() != null) {
                g.put("corpus_sha256", ev.corpus().sha256());
                g.put("corpus_mean_ppl_by_gen0", ev.corpus().meanPplByGen0());
            }
            gens.add(g);
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("run_dir", runDir.toString());
        s.put("name", cfg.name());
        s.put("seed", cfg.experiment().seed());
        s.put("generations", generations);
        s.put("finished", state.finished());
        s.put("generation", state.finished() ? generations - 1 : state.generation());
        s.put("phase", state.phase());
        s.put("phases_done", state.phasesDone());
        s.put("phases_total", totalPhases);
        s.put("train_progress", trainProgress(state));
        s.put("eta_seconds", state.finished() ? 0 : eta(state, totalPhases));
        s.put("metrics", gens);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(CliSupport.JSON.writeValueAsString(s));
        } else {
            out.printf("run        %s (seed %d)  %s%n", cfg.name(), cfg.experiment().seed(), runDir);
            out.printf("state      %s%n", state.finished() ? "finished" : "generation " + state.generation() + " of 0.."
                    + (generations - 1) + ", phase " + state.phase());
            out.printf("progress   %d/%d phases%s%n", state.phasesDone(), totalPhases,
                    s.get("train_progress") == null ? "" : ", training " + s.get("train_progress"));
            Object eta = s.get("eta_seconds");
            out.printf("eta        %s%n", eta == null ? "unknown (no phase finished yet)" : format((Double) eta));
            out.printf("%n%-4s %10s %12s %15s %22s  %s%n", "gen", "test_loss", "corpus_ppl", "mean_batch_ppl",
                    "corpus ppl by gen 0", "corpus sha256");
            for (Map<String, Object> g : gens) {
                out.printf("%-4s %10s %12s %15s %22s  %s%n", g.get("generation"), num(g.get("test_loss")),
                        num(g.get("test_corpus_ppl")), num(g.get("test_mean_batch_ppl")),
                        num(g.get("corpus_mean_ppl_by_gen0")), g.getOrDefault("corpus_sha256", "-"));
            }
            out.println("\ncorpus_ppl = exp(mean token NLL); mean_batch_ppl = mean over batches of exp(batch loss), as the released code logs");
        }
        out.flush();
        return 0;
    }

    /** "step S" of the training in flight, from the last step event. */
    private String trainProgress(RunState state) throws IOException {
        if (state.finished() || !state.phase().equals(RunState.Phase.TRAIN.id)) {
            return null;
        }
        JsonNode last = null;
        for (JsonNode e : events()) {
            if (e.path("event").asText().equals("phase_start")) {
                last = null;
            } else if (e.path("event").asText().equals("step")) {
                last = e;
            }
        }
        return last == null ? null : "epoch " + last.path("epoch").asInt() + ", step " + last.path("step").asLong()
                + ", loss " + String.format("%.4f", last.path("loss").asDouble());
    }

    /**
     * Seconds left: each remaining phase costs what the same phase cost on average so far (any
     * phase's average when that one has not run yet), less what the phase in flight has used.
     */
    private Double eta(RunState state, int totalPhases) throws IOException {
        Map<String, double[]> perPhase = new HashMap<>(); // phase -> {sum, count}
        double all = 0;
        int n = 0;
        Instant inFlightSince = null;
        for (JsonNode e : events()) {
            String ev = e.path("event").asText();
            if (ev.equals("phase_done")) {
                double sec = e.path("seconds").asDouble();
                double[] a = perPhase.computeIfAbsent(e.path("phase").asText(), p -> new double[2]);
                a[0] += sec;
                a[1]++;
                all += sec;
                n++;
                inFlightSince = null;
            } else if (ev.equals("phase_start")) {
                inFlightSince = Instant.parse(e.path("time").asText());
            }
        }
        if (n == 0) {
            return null;
        }
        double mean = all / n;
        double left = 0;
        RunState.Phase[] phases = RunState.Phase.values();
        for (int i = state.phasesDone(); i < totalPhases; i++) {
            double[] a = perPhase.get(phases[i % phases.length].id);
            left += a == null ? mean : a[0] / a[1];
        }
        if (inFlightSince != null) {
            left -= Math.min(Duration.between(inFlightSince, Instant.now()).toMillis() / 1e3, left);
        }
        return Math.max(0, left);
    }

    private List<JsonNode> events() throws IOException {
        Path file = runDir.resolve(RunFiles.EVENTS);
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        for (String line : Files.readAllLines(file)) {
            try {
                out.add(ConfigLoader.JSON.readTree(line));
            } catch (IOException cutByAKill) {
                // The last line of a killed run may be partial; skip it.
            }
        }
        return out;
    }

    private static String num(Object v) {
        return v == null ? "-" : String.format("%.4f", (Double) v);
    }

    private static String format(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
