package io.collapse.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import me.tongfei.progressbar.ProgressBar;

/**
 * Fetches files of a HuggingFace Hub model repository ({@code {endpoint}/{repo}/resolve/{revision}/{file}})
 * into {@code <cache>/models--<owner>--<name>/<revision>/}, or one file of a dataset repository
 * ({@code {endpoint}/datasets/{repo}/resolve/{revision}/{file}}) into a folder the caller names.
 * Each file arrives as {@code <file>.part}, is synced and renamed, so the cache holds whole files
 * only; an interrupted transfer resumes from the {@code .part} size with an HTTP Range request.
 * Offline mode never touches the network. Which files make a model is the caller's business
 * ({@code model.hf.ModelSource} for OPT).
 */
public final class HubDownloader {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    private static final Pattern REPO_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_REDIRECTS = 10;

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
        return endpoint + "/" + repoPath + "/resolve/" + URLEncoder.encode(revision, StandardCharsets.UTF_8) + "/" + file;
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

    /** The transfer itself; retries resume from the .part file. */
    private boolean fetchLocked(String url, String file, Path dir) throws IOException {
        Path target = dir.resolve(file);
        Path part = dir.resolve(file + ".part");
        String sha256;
        for (int attempt = 1; ; attempt++) {
            try {
                Transfer t = transfer(URI.create(url), part, file);
                if (!t.found()) {
                    return false;
                }
                sha256 = t.sha256();
                break;
            } catch (RetryableException e) {
                long have = Files.exists(part) ? Files.size(part) : 0;
                if (attempt >= attempts) {
                    throw new IOException(url + ": " + e.getMessage() + " after " + attempt + " attempt(s)"
                            + (have > 0 ? "; " + have + " bytes kept in " + part + ", run again to resume" : ""), e.getCause());
                }
                Pause.of(retryDelay.multipliedBy(attempt), "to retry a download");
            }
        }
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        if (sha256 != null) {
            String actual = Checksums.sha256(part);
            if (!actual.equals(sha256)) {
                Files.delete(part);
                throw new IOException(url + ": downloaded bytes have sha256 " + actual + " but the Hub says " + sha256
                        + "; the partial file was deleted, run again");
            }
        }
        AtomicFiles.move(part, target);
        AtomicFiles.fsyncDir(dir);
        return true;
    }

    /** A failure worth another try: the connection broke, or the server had a 5xx moment. */
    private static final class RetryableException extends Exception {
        RetryableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What a transfer found: the file (or a 404), and the sha256 the Hub announced for it, if any. */
    private record Transfer(boolean found, String sha256) {}

    /**
     * One GET (resuming from the .part size), following redirects. The Hub names an LFS file's
     * sha256 in {@code X-Linked-Etag} (on the redirect) or its own {@code ETag}; a 40-hex git blob id is not one.
     */
    private Transfer transfer(URI uri, Path part, String file) throws IOException, RetryableException {
        String sha256 = null;
        long have = Files.exists(part) ? Files.size(part) : 0;
        HttpResponse<InputStream> response = null;
        URI at = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder req = HttpRequest.newBuilder(at).GET().header("User-Agent", "collapse/0.1 (java)");
            if (have > 0) {
                req.header("Range", "bytes=" + have + "-");
            }
            // The token goes to the Hub only, never to the CDN a resolve URL redirects to.
            if (token != null && at.getHost() != null && at.getHost().equals(uri.getHost())) {
                req.header("Authorization", "Bearer " + token);
            }
            try {
                response = http.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new RetryableException("connection failed (" + e + ")", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while downloading " + uri, e);
            }
            // A CDN's own ETag means something else; only the Hub's count.
            boolean hub = at.getHost() != null && at.getHost().equals(uri.getHost());
            for (String header : hub ? List.of("X-Linked-Etag", "ETag") : List.of("X-Linked-Etag")) {
                String etag = response.headers().firstValue(header).orElse("").replaceAll("^W/|\"", "").toLowerCase(Locale.ROOT);
                if (sha256 == null && SHA256.matcher(etag).matches()) {
                    sha256 = etag;
                }
            }
            int code = response.statusCode();
            if (code / 100 == 3 && response.headers().firstValue("Location").isPresent()) {
                response.body().close();
                at = at.resolve(response.headers().firstValue("Location").get());
                continue;
            }
            break;
        }
        int code = response.statusCode();
        try (InputStream body = response.body()) {
            if (code == 404) {
                return new Transfer(false, null);
            }
            if (code == 416 && have > 0) {
                // The .part is not a prefix the server can continue (e.g. the file changed): start over.
                Files.delete(part);
                throw new RetryableException("range not satisfiable for the partial file; restarting", null);
            }
            if (code == 401 || code == 403) {
                throw new IOException(uri + ": HTTP " + code + " (a gated or private repository needs HF_TOKEN)");
            }
            if (code >= 500) {
                throw new RetryableException("HTTP " + code, null);
            }
            if (code != 200 && code != 206) {
                throw new IOException(uri + ": HTTP " + code);
            }
            long start = 0;
            long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (code == 206) {
                Matcher m = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
                if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                    throw new IOException(uri + ": asked for bytes " + have + "- but got Content-Range '"
                            + response.headers().firstValue("Content-Range").orElse("") + "'");
                }
                start = have;
                total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            }
            // A 200 is the whole file: it starts over at byte 0, whatever the .part held.
            copy(body, part, start, total, file);
        }
        return new Transfer(true, sha256);
    }


    /** Streams the body into the .part file from {@code start}, with a progress bar on stderr. */
    private void copy(InputStream body, Path part, long start, long total, String file) throws IOException, RetryableException {
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                ProgressBar bar = ConsoleBars.builder(file, total, "MiB", 1 << 20, progress)
                        .startsFrom(start, Duration.ZERO)
                        .build()) {
            ch.truncate(start);
            ch.position(start);
            byte[] buf = new byte[1 << 16];
            long written = start;
            while (true) {
                int n;
                try {
                    n = body.read(buf);
                } catch (IOException e) {
                    throw new RetryableException("connection broke after " + written + " bytes (" + e.getMessage() + ")", e);
                }
                if (n < 0) {
                    break;
                }
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                written += n;
                bar.stepTo(written);
            }
            if (total >= 0 && written != total) {
                throw new RetryableException("got " + written + " of " + total + " bytes", null);
            }
        }
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
