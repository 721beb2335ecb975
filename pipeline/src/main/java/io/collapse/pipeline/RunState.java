package io.collapse.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.collapse.config.AtomicFiles;
import io.collapse.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a run is: the units of work finished so far, in order. A unit is "gen-NN/PHASE"; it is
 * appended only after everything the phase writes is on disk, so after a kill the run redoes at
 * most the unit that was in flight (and that unit resumes from its own finer-grained state).
 */
public record RunState(
        @JsonProperty("format") int format,
        @JsonProperty("generation") int generation,
        @JsonProperty("phase") String phase,
        @JsonProperty("completed") List<String> completed,
        @JsonProperty("finished") boolean finished,
        @JsonProperty("updated") String updated) {

    public static final String FILE = "state.json";

    /** The phases of one generation, in order. */
    public enum Phase {
        TRAIN("train"), EVAL("eval"), CORPUS("corpus"), SCORE("score");

        public final String id;

        Phase(String id) {
            this.id = id;
        }
    }

    public RunState {
        completed = List.copyOf(completed == null ? List.of() : completed);
    }

    public static RunState fresh() {
        return new RunState(1, 0, Phase.TRAIN.id, List.of(), false, Instant.now().toString());
    }

    public static String unit(int generation, Phase phase) {
        return String.format("gen-%02d/%s", generation, phase.id);
    }

    public boolean isDone(int generation, Phase phase) {
        return completed.contains(unit(generation, phase));
    }

    /** The state after finishing a unit of a run of {@code generations} generations. */
    public RunState complete(int generation, Phase phase, int generations) {
        List<String> done = new ArrayList<>(completed);
        done.add(unit(generation, phase));
        return of(done, generations);
    }

    /** The state with {@code units} unfinished again. */
    public RunState without(List<String> units, int generations) {
        List<String> done = new ArrayList<>(completed);
        done.removeAll(units);
        return of(done, generations);
    }

    /** generation and phase name the first unit left to do (the last one, "done", when none is left). */
    private RunState of(List<String> done, int generations) {
        for (int k = 0; k < generations; k++) {
            for (Phase p : Phase.values()) {
                if (!done.contains(unit(k, p))) {
                    return new RunState(format, k, p.id, done, false, Instant.now().toString());
                }
            }
        }
        return new RunState(format, generations - 1, "done", done, true, Instant.now().toString());
    }

    public static RunState read(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        if (!Files.exists(file)) {
            return fresh();
        }
        try {
            return ConfigLoader.JSON.readValue(file.toFile(), RunState.class);
        } catch (IOException e) {
            throw new IOException(file + ": unreadable run state (" + e.getMessage() + ")", e);
        }
    }

    public void write(Path runDir) throws IOException {
        AtomicFiles.writeString(runDir.resolve(FILE), ConfigLoader.JSON.writeValueAsString(this));
    }
}
