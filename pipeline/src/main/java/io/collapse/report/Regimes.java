package io.collapse.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

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
    static final Set<String> NOT_SETTINGS = Set.of("name", "description", "experiment.seed", "train.seed", "generation.seed",
            "train.micro_batch", "experiment.corpus_batch", "experiment.corpus_shard_blocks", "train.log_every_steps",
            "device.device", "device.fallback_to_cpu", "device.devices");

    private Regimes() {}

    /**
     * A run's settings from its run.json {@code config}: each leaf's dotted path and JSON text, but
     * {@link #NOT_SETTINGS}; an empty map where the config is missing.
     */
    static Map<String, String> settings(JsonNode config) {
        Map<String, String> out = new TreeMap<>();
        flatten("", config, out);
        NOT_SETTINGS.forEach(out::remove);
        return out;
    }

    private static void flatten(String path, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> flatten(path.isEmpty() ? f.getKey() : path + "." + f.getKey(), f.getValue(), out));
        } else if (!node.isMissingNode()) {
            out.put(path, node.toString());
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
            Set<String> labels = new TreeSet<>();
            for (RunData r : group) {
                if (!r.settings().isEmpty()) {
                    String l = regime + " (" + differ.stream().map(k -> k + "=" + r.settings().getOrDefault(k, "unset"))
                            .collect(Collectors.joining(", ")) + ")";
                    label.put(r, l);
                    labels.add(l);
                }
            }
            warnings.add("runs of config " + regime + " differ in " + String.join(", ", differ) + ": reported as "
                    + labels.size() + " regimes, not pooled over seeds");
        });
        return runs.stream().map(r -> label.containsKey(r) ? r.inRegime(label.get(r)) : r).toList();
    }

    /** The settings whose values are not the same in every run of {@code group}. */
    private static Set<String> differing(List<RunData> group) {
        Set<String> keys = new TreeSet<>();
        group.forEach(r -> keys.addAll(r.settings().keySet()));
        keys.removeIf(k -> group.stream().map(r -> r.settings().get(k)).distinct().count() == 1); // absent: null
        return keys;
    }
}
