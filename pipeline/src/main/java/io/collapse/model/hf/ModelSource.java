package io.collapse.model.hf;

import io.collapse.io.AtomicFiles;
import io.collapse.io.CacheDir;
import io.collapse.io.ErrorLines;
import io.collapse.io.HubDownloader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Turns a {@code --model} argument into a local HF model directory, downloading it from the Hub where needed. */
public final class ModelSource {

    /**
     * Marks a cached model whose generation_config.json has been asked for (downloaded with the
     * model, or once later): a complete copy without it was cached by collapse 0.3.1 or earlier.
     */
    static final String COMPLETE = ".collapse-complete";

    /** Where a command takes a local model directory instead of a Hub id. */
    private static final String LOCAL_MODEL = " (--model DIR, or model.base in a run's config)";

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
        } catch (IllegalArgumentException e) {
            throw new IOException("'" + modelArg + "' is not a local directory; as a Hub id: " + e.getMessage(), e);
        } catch (IOException e) {
            String instead = HubDownloader.unreachable(e) ? "; without the Hub, give a local HF model directory" + LOCAL_MODEL : "";
            throw new IOException("'" + modelArg + "' is not a local directory; as a Hub id: " + e.getMessage() + instead, e);
        }
    }

    /**
     * A model of any family: config.json, generation_config.json where the repository has one, the
     * tokenizer files it has (tokenizer.json, or vocab.json with merges.txt, and their config files) and the first weights of
     * {@link HfModelDir#WEIGHTS_FILES} it has, a sharded index with every shard it names.
     * A complete cached copy is reused without a request.
     */
    public static Path downloadModel(HubDownloader hub, String repoId, String revision, Path cacheDir) throws IOException {
        Path dir = HubDownloader.repoDir(cacheDir, repoId, revision);
        List<String> missing = missing(dir);
        if (missing.isEmpty()) {
            if (!Files.exists(dir.resolve(COMPLETE)) && !hub.isOffline()) {
                completeOldCopy(hub, repoId, revision, cacheDir, dir);
            }
            return dir;
        }
        hub.refuseIfOffline(repoId, dir, missing, ", or give a local HF model directory instead" + LOCAL_MODEL);
        hub.download(repoId, revision, List.of(HfModelDir.CONFIG), cacheDir);
        hub.downloadIfFound(repoId, revision, HfModelDir.GENERATION_CONFIG, cacheDir);
        for (String file : TokenizerFiles.ALL) {
            hub.downloadIfFound(repoId, revision, file, cacheDir);
        }
        if (!HfModelDir.hasTokenizer(dir)) {
            throw new IOException(repoId + "@" + revision + " has no tokenizer (tokenizer.json, or vocab.json with merges.txt) at "
                    + hub.endpoint());
        }
        for (String weights : HfModelDir.WEIGHTS_FILES) {
            if (hub.downloadIfFound(repoId, revision, weights, cacheDir)) {
                if (weights.endsWith(".index.json")) {
                    hub.download(repoId, revision, HfModelDir.shards(dir.resolve(weights)), cacheDir);
                }
                AtomicFiles.writeString(dir.resolve(COMPLETE), "");
                return dir;
            }
        }
        throw new IOException(repoId + "@" + revision + " has none of " + HfModelDir.WEIGHTS_FILES + " at " + hub.endpoint());
    }

    /**
     * A copy cached by a version that fetched no generation_config.json: asks for it once. A hub
     * that cannot be reached (a node without internet, not marked offline) leaves the copy as it
     * served before, decoding by config.json, and is asked again next time.
     */
    private static void completeOldCopy(HubDownloader hub, String repoId, String revision, Path cacheDir, Path dir) {
        try {
            hub.downloadIfFound(repoId, revision, HfModelDir.GENERATION_CONFIG, cacheDir);
            AtomicFiles.writeString(dir.resolve(COMPLETE), "");
        } catch (IOException unreachable) {
            hub.warn(dir + " was cached before collapse fetched " + HfModelDir.GENERATION_CONFIG
                    + ", and asking " + hub.endpoint() + " for it failed (" + ErrorLines.oneLine(unreachable)
                    + "); using the copy as it is: eos and pad ids from config.json");
        }
    }

    /** What a cached copy lacks, for the offline message; empty when it is complete. */
    private static List<String> missing(Path dir) throws IOException {
        List<String> missing = new ArrayList<>();
        if (!Files.isRegularFile(dir.resolve(HfModelDir.CONFIG))) {
            missing.add(HfModelDir.CONFIG);
        }
        if (!HfModelDir.hasTokenizer(dir)) {
            missing.add("tokenizer.json (or vocab.json and merges.txt)");
        }
        Path weights = HfModelDir.findWeights(dir).orElse(null);
        if (weights == null) {
            missing.add(String.join(" or ", HfModelDir.WEIGHTS_FILES));
        } else if (weights.toString().endsWith(".index.json")) {
            HfModelDir.shards(weights).stream().filter(f -> !Files.isRegularFile(dir.resolve(f))).forEach(missing::add);
        }
        return missing;
    }
}
