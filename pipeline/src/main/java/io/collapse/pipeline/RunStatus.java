package io.collapse.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.config.ConfigLoader;
import io.collapse.config.RunConfig;
import io.collapse.io.ErrorLines;
import io.collapse.train.EventLog;
import io.collapse.train.TrainEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a run is and what it has measured, read from its files only (safe while it runs): its
 * config, state.json, every generation's eval.json, events.jsonl (for the step in flight, the ETA
 * and a failure) and run.lock (whether a process works on it). {@link #toMap} is the
 * {@code status --json} document.
 *
 * @param trainProgress "epoch E, step S, loss L" of the training in flight, or null
 * @param etaSeconds seconds of work left, or null before any phase finished
 * @param metrics one map per generation with an eval.json
 * @param failure the phase failure that ended the last process working on the run (time,
 *     generation, phase, error), or null when it has not failed since it was last started
 * @param process whether a process works on the run now, and which (or which was killed)
 */
public record RunStatus(Path runDir, RunConfig config, RunState state, String trainProgress, Double etaSeconds,
        List<Map<String, Object>> metrics, Map<String, Object> failure, RunLock.Holder process) {

    /**
     * A run of a sweep as status lists it: its status, or (status null) why there is none: "not
     * started", "starting: pid …" (its process holds the lock and has not yet written run.json), or
     * "unreadable: …" — one damaged run does not hide the others.
     */
    public record Entry(Path dir, RunStatus status, String note) {

        private static final String UNREADABLE = "unreadable: ";

        /** The run's status document, or {@code {"run_dir", "note"}}. */
        public Map<String, Object> toMap() {
            return status != null ? status.toMap() : ConfigLoader.fields("run_dir", dir.toString(), "note", note);
        }

        public boolean unreadable() {
            return note != null && note.startsWith(UNREADABLE);
        }
    }

    /** An {@link Entry} for each run directory, in order. */
    public static List<Entry> readAll(List<Path> runDirs) {
        List<Entry> all = new ArrayList<>();
        for (Path dir : runDirs) {
            if (!Files.isRegularFile(dir.resolve(RunFiles.RUN))) {
                RunLock.Holder h = RunLock.probe(dir);
                all.add(new Entry(dir, null, h.state() == RunLock.State.RUNNING ? "starting: " + h.holder() : "not started"));
                continue;
            }
            try {
                all.add(new Entry(dir, read(dir), null));
            } catch (IOException | RuntimeException e) {
                all.add(new Entry(dir, null, Entry.UNREADABLE + ErrorLines.oneLine(e)));
            }
        }
        return all;
    }

    public static RunStatus read(Path runDir) throws IOException {
        RunConfig cfg = RunManifest.readConfig(runDir);
        RunState state = RunState.read(runDir, cfg.experiment().generations());
        List<JsonNode> events = EventLog.read(runDir.resolve(RunFiles.EVENTS));
        RunLock.Holder process = RunLock.probe(runDir);
        Double eta = state.finished() ? Double.valueOf(0)
                : eta(state, events, phasesTotal(cfg), process.state() == RunLock.State.RUNNING);
        return new RunStatus(runDir, cfg, state, trainProgress(state, events), eta, metrics(runDir, cfg), failure(events),
                process);
    }

    public int generations() {
        return config.experiment().generations();
    }

    public int phasesTotal() {
        return phasesTotal(config);
    }

    private static int phasesTotal(RunConfig cfg) {
        return cfg.experiment().generations() * RunState.Phase.values().length;
    }

    /** The {@code status --json} document. */
    public Map<String, Object> toMap() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("run_dir", runDir.toString());
        s.put("name", config.name());
        s.put("seed", config.experiment().seed());
        s.put("generations", generations());
        s.put("finished", state.finished());
        s.put("generation", state.finished() ? generations() - 1 : state.generation());
        s.put("phase", state.phase());
        s.put("phases_done", state.phasesDone());
        s.put("phases_total", phasesTotal());
        s.put("train_progress", trainProgress);
        s.put("eta_seconds", etaSeconds);
        s.put("metrics", metrics);
        s.put("failure", failure);
        s.put("process", process.state().label());
        s.put("holder", process.holder());
        return s;
    }

    /** The last phase_failed event, unless a process started on the run (its platform line) or a phase started after it. */
    private static Map<String, Object> failure(List<JsonNode> events) {
        JsonNode last = null;
        for (JsonNode e : events) {
            String ev = e.path("event").asText();
            if (ev.equals(RunEvent.PHASE_FAILED.id())) {
                last = e;
            } else if (ev.equals(RunEvent.PHASE_START.id()) || ev.equals(RunEvent.PLATFORM.id())) {
                last = null;
            }
        }
        return last == null ? null : ConfigLoader.fields("time", last.path("time").asText(), "generation",
                last.path("generation").asInt(), "phase", last.path("phase").asText(), "error", last.path("error").asText());
    }

    private static List<Map<String, Object>> metrics(Path runDir, RunConfig cfg) throws IOException {
        List<Map<String, Object>> gens = new ArrayList<>();
        for (int k = 0; k < cfg.experiment().generations(); k++) {
            Path genDir = RunFiles.gen(runDir, k);
            if (!Files.exists(genDir.resolve(RunFiles.EVAL))) {
                continue;
            }
            GenerationRecord ev = GenerationRecord.read(genDir);
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
        return gens;
    }

    /** "step S" of the training in flight, from the last step event. */
    private static String trainProgress(RunState state, List<JsonNode> events) {
        if (state.finished() || !state.phase().equals(RunState.Phase.TRAIN.id)) {
            return null;
        }
        JsonNode last = null;
        for (JsonNode e : events) {
            if (e.path("event").asText().equals(RunEvent.PHASE_START.id())) {
                last = null;
            } else if (e.path("event").asText().equals(TrainEvent.STEP.id())) {
                last = e;
            }
        }
        return last == null ? null : "epoch " + last.path("epoch").asInt() + ", step " + last.path("step").asLong()
                + ", loss " + String.format("%.4f", last.path("loss").asDouble());
    }

    /** An event's time; null for a damaged line's (skipped, as EventLog skips lines it cannot read). */
    private static Instant time(JsonNode event) {
        try {
            return Instant.parse(event.path("time").asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * Seconds left: each remaining phase costs what the same phase cost on average so far (any
     * phase's average when that one has not run yet), less what the phase in flight has used
     * when a process is {@code running} it (a dead run's clock does not run down).
     */
    private static Double eta(RunState state, List<JsonNode> events, int totalPhases, boolean running) {
        Map<String, double[]> perPhase = new HashMap<>(); // phase -> {sum, count}
        double all = 0;
        int n = 0;
        Instant inFlightSince = null;
        for (JsonNode e : events) {
            String ev = e.path("event").asText();
            if (ev.equals(RunEvent.PHASE_DONE.id())) {
                double sec = e.path("seconds").asDouble();
                double[] a = perPhase.computeIfAbsent(e.path("phase").asText(), p -> new double[2]);
                a[0] += sec;
                a[1]++;
                all += sec;
                n++;
                inFlightSince = null;
            } else if (ev.equals(RunEvent.PHASE_START.id())) {
                inFlightSince = time(e);
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
        if (inFlightSince != null && running) {
            left -= Math.min(Duration.between(inFlightSince, Instant.now()).toMillis() / 1e3, left);
        }
        return Math.max(0, left);
    }

}
