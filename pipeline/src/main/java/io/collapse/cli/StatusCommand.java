package io.collapse.cli;

import io.collapse.pipeline.RunFiles;
import io.collapse.pipeline.RunLock;
import io.collapse.pipeline.RunPlan;
import io.collapse.pipeline.RunState;
import io.collapse.pipeline.RunStatus;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Where a run is and what it has measured, read from its files only (safe while it runs). */
@Command(name = "status", description = "Show a run's generation, phase, progress, ETA and the metrics so far; for"
        + " several runs or a sweep, one line per run.")
public final class StatusCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "DIR", description = "A run directory, or a sweep's (every run it lists).")
    List<Path> dirs;

    @Mixin JsonStdout stdout;

    @Override
    public Integer call() throws Exception {
        List<Path> runs = RunPlan.discover(dirs, true);
        if (runs.equals(dirs) && runs.size() == 1 && Files.isRegularFile(runs.get(0).resolve(RunFiles.RUN))) {
            RunStatus status = RunStatus.read(runs.get(0));
            stdout.print(status.toMap(), out -> print(status, out));
            return 0;
        }
        List<RunStatus.Entry> all = RunStatus.readAll(runs);
        // One run named: one object, as for a run with run.json, also in the first instants of its first start.
        Object doc = runs.equals(dirs) && all.size() == 1 ? all.get(0).toMap()
                : Map.of("runs", all.stream().map(RunStatus.Entry::toMap).toList());
        stdout.print(doc, out -> printTable(all, out));
        return all.stream().anyMatch(RunStatus.Entry::unreadable) ? 1 : 0;
    }

    /** One line per run: its state, phases done, process and ETA, and the failure that stopped it. */
    private static void printTable(List<RunStatus.Entry> all, PrintWriter out) {
        out.printf("%-28s %-30s %-7s %-9s %-8s %s%n", "run", "state", "phases", "process", "eta", "failed");
        for (RunStatus.Entry e : all) {
            RunStatus s = e.status();
            if (s == null) {
                out.printf("%-28s %s%n", e.dir().getFileName(), e.note());
                continue;
            }
            RunState state = s.state();
            Map<String, Object> f = s.failure();
            out.printf("%-28s %-30s %-7s %-9s %-8s %s%n", e.dir().getFileName(),
                    state.finished() ? "finished" : "generation " + state.generation() + ", " + state.phase(),
                    state.phasesDone() + "/" + s.phasesTotal(), s.process().state().label(),
                    s.etaSeconds() == null ? "-" : format(s.etaSeconds()),
                    f == null ? "-" : failure(f));
        }
    }

    private static void print(RunStatus s, PrintWriter out) {
        RunState state = s.state();
        out.printf("run        %s (seed %d)  %s%n", s.config().name(), s.config().experiment().seed(), s.runDir());
        out.printf("state      %s%n", state.finished() ? "finished" : "generation " + state.generation() + " of 0.."
                + (s.generations() - 1) + ", phase " + state.phase());
        out.printf("progress   %d/%d phases%s%n", state.phasesDone(), s.phasesTotal(),
                s.trainProgress() == null ? "" : ", training " + s.trainProgress());
        RunLock.Holder p = s.process();
        boolean idle = !state.finished() && p.state() != RunLock.State.RUNNING;
        out.printf("eta        %s%n", s.etaSeconds() == null ? "unknown (no phase finished yet)"
                : format(s.etaSeconds()) + (idle ? " of work left (no process is running)" : ""));
        out.printf("process    %s%n", switch (p.state()) {
            case RUNNING -> "running: " + p.holder();
            case NONE -> "none";
            case KILLED -> "none; the last one, " + p.holder() + ", was killed";
            case UNKNOWN -> "unknown (" + p.holder() + ")";
        });
        if (s.failure() != null) {
            Map<String, Object> f = s.failure();
            out.printf("failed     %s, %s%n", f.get("time"), failure(f));
        }
        out.printf("%n%-4s %10s %12s %15s %26s  %s%n", "gen", "test_loss", "corpus_ppl", "mean_batch_ppl",
                "corpus mean ppl by gen 0", "corpus sha256");
        for (Map<String, Object> g : s.metrics()) {
            out.printf("%-4s %10s %12s %15s %26s  %s%n", g.get("generation"), num(g.get("test_loss")),
                    num(g.get("test_corpus_ppl")), num(g.get("test_mean_batch_ppl")),
                    num(g.get("corpus_mean_ppl_by_gen0")), g.getOrDefault("corpus_sha256", "-"));
        }
        out.println("\ncorpus_ppl = exp(mean token NLL); mean_batch_ppl = mean over batches of exp(batch loss), as the released code logs;"
                + " corpus mean ppl by gen 0 = the mean over the generation's corpus blocks of each one's perplexity under generation 0");
    }

    /** "generation 2 corpus: <error>" of a {@link RunStatus#failure}. */
    private static String failure(Map<String, Object> f) {
        return "generation " + f.get("generation") + " " + f.get("phase") + ": " + f.get("error");
    }

    private static String num(Object v) {
        return v == null ? "-" : String.format("%.4f", (Double) v);
    }

    private static String format(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
