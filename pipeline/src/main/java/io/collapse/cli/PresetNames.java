package io.collapse.cli;

import io.collapse.config.Presets;
import java.util.Iterator;

/** The preset names, for picocli's {@code ${COMPLETION-CANDIDATES}} in help and shell completion. */
final class PresetNames implements Iterable<String> {

    @Override
    public Iterator<String> iterator() {
        return Presets.names().iterator();
    }
}
