package io.collapse.model.hf;

import io.collapse.io.CacheDir;
import io.collapse.io.HubDownloader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Turns a {@code --model} argument into a local HF model directory, downloading an OPT model from the Hub. */
public final class ModelSource {

    /** What an OPT model directory needs besides its weights. */
    public static final List<String> OPT_FILES =
            Stream.concat(Stream.of(HfModelDir.CONFIG), TokenizerFiles.BPE_LAYOUT.stream()).toList();

    /** Weights files in order of preference: facebook/opt-* repositories have only the second. */
    public static final List<String> OPT_WEIGHTS = List.of(HfModelDir.SAFETENSORS, HfModelDir.PYTORCH_BIN);

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
            return downloadModel(hub, repoId, revision, cacheDir);
        } catch (IllegalArgumentException | IOException e) {
            throw new IOException("'" + modelArg + "' is not a local directory; as a Hub id: " + e.getMessage(), e);
        }
    }

    /**
     * An OPT model: config and tokenizer files plus the first weights file of {@link #OPT_WEIGHTS}
     * the repository has (model.safetensors, else pytorch_model.bin). Cached files are reused as is.
     */
    public static Path downloadModel(HubDownloader hub, String repoId, String revision, Path cacheDir) throws IOException {
        Path dir = HubDownloader.repoDir(cacheDir, repoId, revision);
        boolean haveWeights = OPT_WEIGHTS.stream().anyMatch(f -> Files.isRegularFile(dir.resolve(f)));
        List<String> missing = new ArrayList<>(OPT_FILES.stream().filter(f -> !Files.isRegularFile(dir.resolve(f))).toList());
        if (!haveWeights) {
            missing.add(String.join(" or ", OPT_WEIGHTS));
        }
        if (missing.isEmpty()) {
            return dir;
        }
        hub.refuseIfOffline(repoId, dir, missing, ", or pass --model DIR with a local HF model directory");
        hub.download(repoId, revision, OPT_FILES, cacheDir);
        if (!haveWeights) {
            for (String weights : OPT_WEIGHTS) {
                if (hub.downloadIfFound(repoId, revision, weights, cacheDir)) {
                    return dir;
                }
            }
            throw new IOException(repoId + "@" + revision + " has none of " + OPT_WEIGHTS + " at " + hub.endpoint());
        }
        return dir;
    }
}
