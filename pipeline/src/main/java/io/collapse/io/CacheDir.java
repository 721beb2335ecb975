package io.collapse.io;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The cache root the user chose, shared by every cache: {@code <cache>/hub} (models),
 * {@code <cache>/datasets} (downloaded splits), {@code <cache>/blocks} (token blocks). Lives in
 * config/ because model and data both need it.
 */
public final class CacheDir {

    private CacheDir() {}

    /** {@code -Dcollapse.cache}, else the environment variable {@code COLLAPSE_CACHE}; empty when neither is set. */
    public static Optional<Path> configured() {
        for (String v : new String[] {System.getProperty("collapse.cache"), System.getenv("COLLAPSE_CACHE")}) {
            if (v != null && !v.isBlank()) {
                return Optional.of(Path.of(v));
            }
        }
        return Optional.empty();
    }
}
