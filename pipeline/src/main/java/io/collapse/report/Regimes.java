package io.collapse.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.io.ErrorLines;
import io.collapse.pipeline.RunManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Which runs the report pools over seeds: a regime is the runs of one config name whose settings
 * agree. Runs named alike but set up otherwise (a sweep made with {@code --set train.epochs=1} beside
 * one without) become regimes of their own, labelled with what differs, and a warning says so:
 * averaged together they would give a mean of two experiments.
 */
final class Regimes {

    /**
     * Settings that differ between the seeds of one regime, or that leave its measures alone: the
     * seeds, the memory settings (the same measures by design), placement, logging and shard size.
     */
    static final Set<String> NOT_SETTINGS = Stream.concat(RunManifest.MEMORY_SETTINGS.stream(), Stream.of("name", "description",
            "experiment.seed", "train.seed", "generation.seed", "experiment.corpus_shard_blocks", "train.log_every_steps",
            "device.device", "device.fallback_to_cpu", "device.devices")).collect(Collectors.toUnmodifiableSet());

    private Regimes() {}

    /**
     * A run's settings from its run.json {@code config}, read as this version's record has them (a
     * field added since is at its default, as a run made before it ran): each leaf's dotted path and
     * value (JSON text but for strings), but {@link #NOT_SETTINGS}. Empty where the config is missing or no longer reads, with
     * a warning for the latter.
     */
    static Map<String, String> settings(JsonNode config, Path file, List<String> warnings) {
        Map<String, String> out = new TreeMap<>();
        if (config.isMissingNode() || config.isEmpty()) {
            return out;
        }
        try {
            flatten("", RunManifest.resolvedConfig(config, file.toString()), out);
        } catch (IOException | RuntimeException e) {
            warnings.add(file + ": its config does not read (" + ErrorLines.oneLine(e) + "); the run is pooled by its name alone");
            return out;
        }
        NOT_SETTINGS.forEach(out::remove);
        return out;
    }

    private static void flatten(String path, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> flatten(path.isEmpty() ? f.getKey() : path + "." + f.getKey(), f.getValue(), out));
        } else if (!node.isMissingNode()) {
            out.put(path, node.isTextual() ? node.asText() : node.toString()); // strategy=sample, not "sample"
        }
    }

    /**
     * The runs, in order, each with its regime: its config's name where every run of that name has
     * the same settings, else the name and the settings in which its runs differ
     * ({@code smoke (train.epochs=1)}), with a warning per name split. A run without settings (its
     * run.json unreadable) keeps its name's regime.
     */
    static List<RunData> split(List<RunData> runs, List<String> warnings) {
        Map<String, List<RunData>> byRegime = new LinkedHashMap<>();
        runs.forEach(r -> byRegime.computeIfAbsent(r.regime(), k -> new ArrayList<>()).add(r));
        Map<RunData, String> label = new IdentityHashMap<>();
        byRegime.forEach((regime, group) -> {
            Set<String> differ = differing(group.stream().filter(r -> !r.settings().isEmpty()).toList());
            if (differ.isEmpty()) {
                return;
            }
            group.forEach(r -> label.put(r, label(regime, differ, r)));
            warnings.add("runs of config " + regime + " differ in " + String.join(", ", differ) + ": reported as "
                    + group.stream().map(label::get).distinct().count() + " regimes, not pooled over seeds");
        });
        return runs.stream().map(r -> r.inRegime(label.getOrDefault(r, r.regime()))).toList();
    }

    /** {@code regime (train.epochs=1)}: the settings in which its runs differ; the name alone for a run without settings. */
    private static String label(String regime, Set<String> differ, RunData run) {
        if (run.settings().isEmpty()) {
            return regime;
        }
        return regime + " (" + differ.stream().map(k -> k + "=" + run.settings().getOrDefault(k, "unset"))
                .collect(Collectors.joining(", ")) + ")";
    }

    /** The settings whose values are not the same in every run of {@code group}. */
    private static Set<String> differing(List<RunData> group) {
        Set<String> keys = new TreeSet<>();
        group.forEach(r -> keys.addAll(r.settings().keySet()));
        keys.removeIf(k -> group.stream().map(r -> r.settings().get(k)).distinct().count() == 1); // absent: null
        return keys;
    }
}
