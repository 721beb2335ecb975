package io.collapse.pipeline;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.collapse.config.ConfigLoader;
import io.collapse.config.StrictJson;
import io.collapse.io.DamagedFileException;
import io.collapse.io.JsonFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * Where a run is: the units of work finished so far, in order. A unit is "gen-NN/PHASE"; it is
 * appended only after everything the phase writes is on disk, so after a kill the run redoes at
 * most the unit that was in flight (and that unit resumes from its own finer-grained state).
 *
 * @param redo a unit being redone while later units stood finished, and what those were made
 *     from, recorded before it runs: its own output replaces the record a later start would look at
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunState(
        int format,
        int generation,
        String phase,
        List<String> completed,
        boolean finished,
        String updated,
        Redo redo) {

    public static final String FILE = "state.json";

    private static final String NOT_A = "not a valid run state";

    /** The phases of one generation, in order. */
    public enum Phase {
        TRAIN("train"), EVAL("eval"), CORPUS("corpus"), SCORE("score");

        public final String id;

        Phase(String id) {
            this.id = id;
        }
    }

    /** {@code unit} is being redone; the finished units after it were made from {@code madeFrom} (null: unknown). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Redo(String unit, String madeFrom) {}

    public RunState {
        completed = List.copyOf(completed == null ? List.of() : completed);
    }

    public static RunState fresh() {
        return new RunState(1, 0, Phase.TRAIN.id, List.of(), false, Instant.now().toString(), null);
    }

    /**
     * The run's last unit, after every generation's: the final report and the {@code run_done}
     * event. Recorded like the others, so a kill just before it is repaired by the next resume.
     */
    public static final String END = "run/end";

    public static String unit(int generation, Phase phase) {
        return String.format("gen-%02d/%s", generation, phase.id);
    }



    /** Generation phases finished (the end unit is not a phase). */
    public int phasesDone() {
        return (int) completed.stream().filter(u -> !u.equals(END)).count();
    }

    public boolean isDone(int generation, Phase phase) {
        return completed.contains(unit(generation, phase));
    }

    /** The finished units after generation {@code generation}'s {@code phase} in the run's order: all that may have used it. */
    public List<String> doneAfter(int generation, Phase phase, int generations) {
        List<String> after = new ArrayList<>();
        for (int k = generation; k < generations; k++) {
            for (Phase p : Phase.values()) {
                if ((k > generation || p.ordinal() > phase.ordinal()) && isDone(k, p)) {
                    after.add(unit(k, p));
                }
            }
        }
        if (completed.contains(END)) {
            after.add(END);
        }
        return after;
    }

    /** The state after finishing a unit of a run of {@code generations} generations. */
    public RunState complete(int generation, Phase phase, int generations) {
        return complete(unit(generation, phase), generations);
    }

    /** The state after finishing {@code unit} ({@link #unit} or {@link #END}). */
    public RunState complete(String unit, int generations) {
        List<String> done = new ArrayList<>(completed);
        if (!done.contains(unit)) { // the end, redone after a repair, is listed once
            done.add(unit);
        }
        return of(done, generations, redo == null || redo.unit.equals(unit) ? null : redo);
    }

    /** The state while {@code unit} is redone, later units having been made from {@code madeFrom}. */
    public RunState redoing(String unit, String madeFrom) {
        return new RunState(format, generation, phase, completed, finished, Instant.now().toString(), new Redo(unit, madeFrom));
    }

    /** What the units after {@code unit} were made from, as recorded when its redo began; null when it was not begun. */
    public Redo redoOf(String unit) {
        return redo != null && redo.unit.equals(unit) ? redo : null;
    }

    /** The state with {@code units} unfinished again. */
    public RunState without(List<String> units, int generations) {
        List<String> done = new ArrayList<>(completed);
        done.removeAll(units);
        return of(done, generations, redo);
    }

    /** The phase of a run whose generations are all done and whose final report is left (unit {@link #END}). */
    public static final String END_PHASE = "end";

    /**
     * generation and phase name the first unit left to do: a generation's phase, then "end" (the
     * final report), then "done" when nothing is left.
     */
    private RunState of(List<String> done, int generations, Redo keep) {
        for (int k = 0; k < generations; k++) {
            for (Phase p : Phase.values()) {
                if (!done.contains(unit(k, p))) {
                    return new RunState(format, k, p.id, done, false, Instant.now().toString(), keep);
                }
            }
        }
        boolean ended = done.contains(END);
        return new RunState(format, generations - 1, ended ? "done" : END_PHASE, done, ended, Instant.now().toString(), keep);
    }

    /** state.json, or a fresh state when there is none. */
    private static RunState read(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        RunState s = JsonFiles.readIfPresent(ConfigLoader.JSON, file, RunState.class, NOT_A, StrictJson::reason);
        if (s == null) {
            return fresh();
        }
        if (s.completed.stream().anyMatch(u -> !u.equals(END) && !u.matches("gen-\\d{2,}/(train|eval|corpus|score)"))) {
            throw new DamagedFileException(file + ": " + NOT_A + " (unknown unit in " + s.completed + ")", null);
        }
        return s;
    }

    /**
     * state.json of a run of {@code generations} generations, or a fresh state. One that contradicts
     * itself (a unit listed twice, a unit of no generation the run has, "finished" with a unit left)
     * is damaged: trusted, it would end a run with work missing, or show a progress past 100 %. The
     * end listed twice (earlier versions appended it again after a repair) is listed once.
     */
    public static RunState read(Path runDir, int generations) throws IOException {
        RunState s = read(runDir);
        List<String> units = s.completed.stream().filter(u -> !u.equals(END)).toList();
        String problem = new HashSet<>(units).size() < units.size() ? "a unit is listed twice"
                : units.stream().anyMatch(u -> generationOf(u) >= generations) ? "a unit of a generation past the run's " + generations
                : s.finished && units.size() < generations * Phase.values().length ? "finished, with units left to do"
                : null;
        if (problem != null) {
            throw new DamagedFileException(runDir.resolve(FILE) + ": " + NOT_A + " (" + problem + ")", null);
        }
        return s.completed.indexOf(END) == s.completed.lastIndexOf(END) ? s
                : new RunState(s.format, s.generation, s.phase, s.completed.stream().distinct().toList(), s.finished, s.updated,
                        s.redo);
    }

    private static int generationOf(String unit) {
        try {
            return Integer.parseInt(unit.substring("gen-".length(), unit.indexOf('/')));
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE; // more digits than any run has generations
        }
    }

    public void write(Path runDir) throws IOException {
        JsonFiles.write(ConfigLoader.JSON, runDir.resolve(FILE), this);
    }
}
