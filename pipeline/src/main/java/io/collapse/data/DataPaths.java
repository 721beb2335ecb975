package io.collapse.data;

import io.collapse.io.CacheDir;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the bundled {@code datasets/} directory and the cache live. The datasets are found on disk,
 * not in the jar: from the system property {@code collapse.repo} (set by the launcher and by
 * surefire), else from the working directory or one of its parents.
 *
 * <p>The cache (downloads and tokenized blocks) is, first match wins: an explicit directory (a
 * command's {@code --cache-dir}), {@code -Dcollapse.cache}, the environment variable
 * {@code COLLAPSE_CACHE} ({@link CacheDir}), else {@code <repo>/.cache}, which git ignores.
 */
public record DataPaths(Path datasetsDir, Path cacheDir) {

    public static final String MANIFEST = "manifest.json";

    public DataPaths {
        datasetsDir = datasetsDir.toAbsolutePath().normalize();
        cacheDir = cacheDir.toAbsolutePath().normalize();
    }

    public Path manifestFile() {
        return datasetsDir.resolve(MANIFEST);
    }

    /** Tokenized block files ({@link BlockCache}). */
    public Path blockCacheDir() {
        return cacheDir.resolve("blocks");
    }

    /** Downloaded dataset files ({@link RawWikitextDownload}), e.g. {@code <this>/wikitext-2-raw-v1/wiki.train.raw}. */
    public Path downloadRoot() {
        return cacheDir.resolve("datasets");
    }

    /** Locates the datasets with the default cache. */
    public static DataPaths locate() {
        return locate(null);
    }

    /** Locates the datasets; {@code cacheOverride} (may be null) wins over every other cache setting. */
    public static DataPaths locate(Path cacheOverride) {
        Path datasets = findDatasets(System.getProperty("collapse.repo"), Path.of("").toAbsolutePath());
        Path cache = cacheOverride != null
                ? cacheOverride
                : CacheDir.configured().orElseGet(() -> datasets.toAbsolutePath().getParent().resolve(".cache"));
        return new DataPaths(datasets, cache);
    }

    /** {@code datasets/} under {@code repo} (may be null), else under {@code workDir} or a parent. */
    static Path findDatasets(String repo, Path workDir) {
        List<String> looked = new ArrayList<>();
        if (repo != null) {
            Path candidate = Path.of(repo).resolve("datasets");
            if (Files.isRegularFile(candidate.resolve(MANIFEST))) {
                return candidate;
            }
            looked.add(candidate.toAbsolutePath() + " (from -Dcollapse.repo)");
        }
        for (Path dir = workDir; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("datasets");
            if (Files.isRegularFile(candidate.resolve(MANIFEST))) {
                return candidate;
            }
            looked.add(candidate.toString());
        }
        throw new IllegalStateException("bundled datasets not found: no datasets/" + MANIFEST + " in "
                + String.join(", ", looked)
                + "; run from the repository or pass -Dcollapse.repo=<repository root>");
    }
}
