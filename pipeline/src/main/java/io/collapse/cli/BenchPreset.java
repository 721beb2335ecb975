package io.collapse.cli;

import io.collapse.config.LmConfig;
import io.collapse.config.Presets;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The model a speed benchmark times (a {@code @Mixin}): a preset, given random weights. */
final class BenchPreset {

    @Option(names = "--preset", defaultValue = "tiny", completionCandidates = PresetNames.class,
            description = "Model preset (random weights): ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String preset;

    LmConfig config() {
        return Presets.get(preset);
    }

    /** A measurement's JSON line: which benchmark measured which preset, then its {@code fields}. */
    Map<String, Object> line(String bench, Map<String, Object> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("bench", bench);
        line.put("preset", preset);
        line.putAll(fields);
        return line;
    }
}
