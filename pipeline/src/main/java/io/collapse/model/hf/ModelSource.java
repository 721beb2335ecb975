package io.collapse.model.hf;

import io.collapse.io.CacheDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Turns a {@code --model} argument into a local HF model directory. */
public final class ModelSource {

    private ModelSource() {}

    /**
     * Where downloads are cached: {@code <cache>/hub}, {@code <cache>} being {@link CacheDir#configured},
     * else {@code <repo>/.cache} when the launcher names the repository ({@code collapse.repo}), else
     * {@code ~/.cache/collapse}.
     */
    public static Path defaultCacheDir() {
        return CacheDir.configured().orElseGet(() -> {
            String repo = System.getProperty("collapse.repo");
            return repo != null && !repo.isBlank()
                    ? Path.of(repo, ".cache")
                    : Path.of(System.getProperty("user.home"), ".cache", "collapse");
        }).resolve("hub");
    }

    /** {@link #resolve(String, Path, HubDownloader)} with a downloader configured from the environment. */
    public static Path resolve(String modelArg, Path cacheDir) throws IOException {
        return resolve(modelArg, cacheDir, new HubDownloader());
    }

    /**
     * An existing directory is used as it is; otherwise the argument is a Hub id
     * ({@code facebook/opt-125m}, optionally {@code @revision}) and the cached or freshly downloaded
     * copy is returned.
     */
    public static Path resolve(String modelArg, Path cacheDir, HubDownloader hub) throws IOException {
        try {
            Path local = Path.of(modelArg);
            if (Files.isDirectory(local)) {
                return local;
            }
            if (Files.exists(local)) {
                throw new IOException(modelArg + ": --model takes a model directory or a Hub id, not a file");
            }
        } catch (InvalidPathException e) {
            // Not a path on this system: it can still be a Hub id.
        }
        int at = modelArg.lastIndexOf('@');
        String repoId = at < 0 ? modelArg : modelArg.substring(0, at);
        String revision = at < 0 ? "main" : modelArg.substring(at + 1);
        try {
            return hub.downloadModel(repoId, revision, cacheDir);
        } catch (IllegalArgumentException | IOException e) {
            throw new IOException("'" + modelArg + "' is not a local directory; as a Hub id: " + e.getMessage(), e);
        }
    }
}
