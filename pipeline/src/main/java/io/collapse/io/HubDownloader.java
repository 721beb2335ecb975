package io.collapse.io;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Fetches files of a HuggingFace Hub model repository ({@code {endpoint}/{repo}/resolve/{revision}/{file}})
 * into {@code <cache>/models--<owner>--<name>/<revision>/}, or one file of a dataset repository
 * ({@code {endpoint}/datasets/{repo}/resolve/{revision}/{file}}) into a folder the caller names.
 * Each file arrives as {@code <file>.part}, is synced and renamed, so the cache holds whole files
 * only; an interrupted transfer resumes from the {@code .part} size with an HTTP Range request
 * ({@link HubTransfer}), and a server that stops answering or sending for a minute is retried.
 * Offline mode never touches the network. Which files make a model is the caller's business
 * ({@code model.hf.ModelSource} for OPT).
 */
public final class HubDownloader {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    /** Opens every message that refuses a download offline: which switches {@link #offlineFromEnvironment} reads. */
    public static final String OFFLINE_REFUSAL =
            "offline mode (HF_HUB_OFFLINE, COLLAPSE_OFFLINE or -Dcollapse.offline is set; unset it to allow downloads)";

    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER) // followed by hand: the token must not go to the CDN
            .connectTimeout(Duration.ofSeconds(30))
            .build();
    private String endpoint = envOr("HF_ENDPOINT", DEFAULT_ENDPOINT).replaceAll("/+$", "");
    private String token = envOr("HF_TOKEN", null);
    private boolean offline = offlineFromEnvironment();
    private int attempts = 3;
    private Duration retryDelay = Duration.ofSeconds(1);
    private Duration stallTimeout = Duration.ofSeconds(60);
    private PrintStream progress = System.err;

    /**
     * Offline when {@code HF_HUB_OFFLINE} (HF's own switch) or {@code COLLAPSE_OFFLINE} is 1/true, or
     * {@code -Dcollapse.offline=true}. DJL's {@code ai.djl.offline}, which the CLI always sets, is not
     * consulted: it stops DJL fetching native libraries, a different matter from fetching a model.
     */
    public static boolean offlineFromEnvironment() {
        return Boolean.getBoolean("collapse.offline") || truthy(System.getenv("HF_HUB_OFFLINE"))
                || truthy(System.getenv("COLLAPSE_OFFLINE"));
    }

    private static boolean truthy(String v) {
        return "1".equals(v) || "true".equalsIgnoreCase(v);
    }

    public HubDownloader setEndpoint(String endpoint) {
        this.endpoint = endpoint.replaceAll("/+$", "");
        return this;
    }

    public HubDownloader setToken(String token) {
        this.token = token;
        return this;
    }

    public HubDownloader setOffline(boolean offline) {
        this.offline = offline;
        return this;
    }

    /** Tries per file before giving up; each retry resumes where the last one stopped. */
    public HubDownloader setAttempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be >= 1, got " + attempts);
        }
        this.attempts = attempts;
        return this;
    }

    /** Wait before retry k is k times this. */
    public HubDownloader setRetryDelay(Duration retryDelay) {
        this.retryDelay = retryDelay;
        return this;
    }

    /** How long a download waits for an answer, and then for each next byte, before it retries. */
    public HubDownloader setStallTimeout(Duration stallTimeout) {
        this.stallTimeout = stallTimeout;
        return this;
    }

    public HubDownloader setProgress(PrintStream progress) {
        this.progress = progress;
        return this;
    }

    /** Where files come from, without a trailing slash. */
    public String endpoint() {
        return endpoint;
    }

    /** One {@code warning: …} line where this downloader shows its progress (stderr unless set). */
    public void warn(String line) {
        progress.println("warning: " + line);
        progress.flush();
    }

    /** True when this downloader refuses every transfer; callers that know a better remedy say it first. */
    public boolean isOffline() {
        return offline;
    }

    /** Where {@code repoId} at {@code revision} is cached. */
    public static Path repoDir(Path cacheDir, String repoId, String revision) {
        checkRepo(repoId, revision);
        return cacheDir.resolve("models--" + repoId.replace("/", "--")).resolve(revision);
    }

    private static void checkRepo(String repoId, String revision) {
        if (!REPO_ID.matcher(repoId).matches() || repoId.contains("..")) {
            throw new IllegalArgumentException("not a Hub repository id: '" + repoId + "' (expected owner/name, e.g. facebook/opt-125m)");
        }
        if (!REVISION.matcher(revision).matches() || revision.contains("..")) {
            throw new IllegalArgumentException("not a usable revision: '" + revision + "' (a branch, tag or commit hash)");
        }
    }

    /** Fetches every file not yet cached; a missing one (404) is an error. Returns the cache folder. */
    public Path download(String repoId, String revision, List<String> files, Path cacheDir) throws IOException {
        Path dir = repoDir(cacheDir, repoId, revision);
        List<String> missing = files.stream().filter(f -> !Files.isRegularFile(dir.resolve(f))).toList();
        if (missing.isEmpty()) {
            return dir;
        }
        refuseIfOffline(repoId, dir, missing, "");
        for (String file : missing) {
            if (!fetch(url(repoId, revision, file), file, dir)) {
                throw new IOException(url(repoId, revision, file) + ": 404 not found (is '" + file + "' in " + repoId + "@" + revision + "?)");
            }
        }
        return dir;
    }

    /**
     * Fetches {@code file} of the model repository into its cache folder ({@link #repoDir}), kept
     * there if it already is; false when the Hub says 404, for a caller with a next choice.
     */
    public boolean downloadIfFound(String repoId, String revision, String file, Path cacheDir) throws IOException {
        Path dir = repoDir(cacheDir, repoId, revision);
        if (Files.isRegularFile(dir.resolve(file))) {
            return true;
        }
        refuseIfOffline(repoId, dir, List.of(file), "");
        return fetch(url(repoId, revision, file), file, dir);
    }

    /**
     * Throws {@link #OFFLINE_REFUSAL} naming the repository, the files {@code missing} and the
     * folder they go into, then {@code otherRemedy} (e.g. ", or pass --model DIR"); does nothing online.
     */
    public void refuseIfOffline(String repoId, Path dir, List<String> missing, String otherRemedy) throws IOException {
        if (offline) {
            throw new IOException(OFFLINE_REFUSAL + ": cannot download " + repoId
                    + ". Put " + String.join(", ", missing) + " into " + dir.toAbsolutePath() + otherRemedy);
        }
    }

    /**
     * Fetches {@code file} of the dataset repository {@code repoId} at {@code revision} into
     * {@code dir} (kept there if it already is), with a model file's resume, retries, sha256 check
     * and lock. Returns the file, or empty when the Hub says 404.
     *
     * @throws IOException offline (naming the URL and where to put the file), or when the transfer fails
     */
    public Optional<Path> downloadDatasetFile(String repoId, String revision, String file, Path dir) throws IOException {
        String url = datasetUrl(repoId, revision, file);
        Path target = dir.resolve(file);
        if (Files.isRegularFile(target)) {
            return Optional.of(target);
        }
        if (offline) {
            throw new IOException(OFFLINE_REFUSAL + ": cannot download " + url + ". Put " + file + " into " + dir.toAbsolutePath());
        }
        Files.createDirectories(dir);
        return fetch(url, file, dir) ? Optional.of(target) : Optional.empty();
    }

    /** Where {@link #downloadDatasetFile} fetches {@code file} from. */
    public String datasetUrl(String repoId, String revision, String file) {
        checkRepo(repoId, revision);
        return url("datasets/" + repoId, revision, file);
    }

    /** {@code repoPath} is a model's repository id, or {@code datasets/} and a dataset's. */
    private String url(String repoPath, String revision, String file) {
        // Each segment percent-encoded: a shard named in an index ("x#frag", "a?b") must reach the
        // server as that name, not as a fragment or query.
        String path = Arrays.stream(file.split("/", -1)).map(s -> URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"))
                .collect(Collectors.joining("/"));
        return endpoint + "/" + repoPath + "/resolve/" + URLEncoder.encode(revision, StandardCharsets.UTF_8) + "/" + path;
    }

    /**
     * Downloads {@code url} into {@code dir/file}; false when the server says 404. Holds a file lock
     * for the duration, so jobs sharing a cache take turns instead of writing the same .part.
     */
    private boolean fetch(String url, String file, Path dir) throws IOException {
        Path locks = Files.createDirectories(dir.resolve(".locks"));
        try (FileChannel lock = FileChannel.open(locks.resolve(file + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock held = lock.lock()) {
            // Another process may have finished it while we waited.
            return Files.isRegularFile(dir.resolve(file)) || fetchLocked(url, file, dir);
        }
    }

    /**
     * The transfer itself, then the sha256 check where the Hub names one. A .part left before that
     * fails the check was another version's: the whole file is fetched once more.
     */
    private boolean fetchLocked(String url, String file, Path dir) throws IOException {
        Path part = dir.resolve(file + ".part");
        if (Files.isSymbolicLink(part)) {
            Files.delete(part); // never written through: a link would let the download overwrite its target
        }
        boolean leftBefore = Files.exists(part);
        for (int pass = 1; ; pass++) {
            HubTransfer.Attempts state = new HubTransfer.Attempts(pass > 1 || !leftBefore); // pass 2 starts with none
            if (!withRetries(url, part, file, state)) {
                return false;
            }
            try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            String actual = state.sha256 == null ? null : Checksums.sha256(part);
            if (actual != null && !actual.equals(state.sha256)) {
                Files.delete(part);
                if (leftBefore && pass == 1) {
                    continue;
                }
                throw new IOException(url + ": downloaded bytes have sha256 " + actual + " but the Hub says " + state.sha256
                        + "; the partial file was deleted, run again");
            }
            AtomicFiles.move(part, dir.resolve(file));
            AtomicFiles.fsyncDir(dir);
            return true;
        }
    }

    /** Up to {@link #setAttempts} transfers, each resuming the .part where the last one broke; false on a 404. */
    private boolean withRetries(String url, Path part, String file, HubTransfer.Attempts state) throws IOException {
        HubTransfer transfer = new HubTransfer(http, token, progress, stallTimeout);
        for (int attempt = 1; ; attempt++) {
            try {
                return transfer.run(URI.create(url), part, file, state);
            } catch (HubTransfer.RetryableException e) {
                long have = Files.exists(part) ? Files.size(part) : 0;
                if (attempt >= attempts) {
                    // A later run resumes only a part that a sha256 vouches for.
                    String kept = have == 0 ? "" : "; " + have + " bytes kept in " + part
                            + (state.sha256 != null ? ", run again to resume" : ", run again");
                    throw new IOException(url + ": " + e.getMessage() + " after " + attempt + " attempt(s)" + kept, e.getCause());
                }
                Pause.of(retryDelay.multipliedBy(attempt), "to retry a download");
            }
        }
    }

    /**
     * Whether a download failed because the Hub did not answer at all (no connection, no name, no
     * answer in time), as without a network, rather than answering no or breaking off.
     */
    public static boolean unreachable(IOException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof java.net.ConnectException || c instanceof java.net.UnknownHostException
                    || c instanceof java.nio.channels.UnresolvedAddressException || c instanceof java.net.http.HttpTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
