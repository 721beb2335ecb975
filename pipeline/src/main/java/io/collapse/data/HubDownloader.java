package io.collapse.data;

import ai.djl.util.Utils;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a dataset file that is not bundled (wikitext-2-raw-v1's train split) from a zip in a
 * HuggingFace Hub dataset repository, verifies it against the manifest and keeps it under
 * {@code <cache>/datasets/<dataset>/}. Offline it never touches the network.
 */
public final class HubDownloader {

    private static final Logger LOG = LoggerFactory.getLogger(HubDownloader.class);
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    private final URI endpoint;
    private final boolean offline;
    private final Path downloadRoot;

    /**
     * @param endpoint     the Hub, e.g. {@code https://huggingface.co}
     * @param offline      when true, a file not yet cached is an error, with no network access
     * @param downloadRoot files land in {@code downloadRoot/<dataset>/<name>}
     */
    public HubDownloader(URI endpoint, boolean offline, Path downloadRoot) {
        this.endpoint = endpoint;
        this.offline = offline;
        this.downloadRoot = downloadRoot;
    }

    /**
     * Endpoint from {@code HF_ENDPOINT}; offline when DJL is ({@code -Dai.djl.offline=true},
     * {@code DJL_OFFLINE}) or {@code HF_HUB_OFFLINE} is set to 1/true/yes/on.
     */
    public static HubDownloader fromEnvironment(DataPaths paths) {
        String endpoint = System.getenv().getOrDefault("HF_ENDPOINT", DEFAULT_ENDPOINT);
        String hubOffline = System.getenv().getOrDefault("HF_HUB_OFFLINE", "").trim().toLowerCase(Locale.ROOT);
        boolean offline = Utils.isOfflineMode()
                || hubOffline.equals("1") || hubOffline.equals("true") || hubOffline.equals("yes") || hubOffline.equals("on");
        return new HubDownloader(URI.create(endpoint), offline, paths.downloadRoot());
    }

    /** Where {@code split} of {@code dataset} is kept once downloaded (or where a user may put it). */
    public Path localFile(String dataset, Manifest.SplitFile split) {
        return downloadRoot.resolve(dataset).resolve(split.name());
    }

    /** The URL of the zip holding {@code split}. */
    public URI url(Manifest.SplitFile split) {
        Manifest.Download d = split.download();
        String base = endpoint.toString().replaceAll("/+$", "");
        return URI.create(base + "/datasets/" + d.hubDataset() + "/resolve/main/" + d.hubFile());
    }

    /**
     * The verified content of {@code split}, downloaded first when it is not cached yet.
     *
     * @throws DataException offline with no cached file (saying where to put one), on a checksum
     *     mismatch (a bad download caches nothing), or when the download fails
     */
    public byte[] fetch(String dataset, Manifest.SplitFile split) throws IOException {
        Path local = localFile(dataset, split);
        if (Files.isRegularFile(local)) {
            byte[] content = Files.readAllBytes(local);
            split.verify(content, local + " (delete it to download it again)");
            return content;
        }
        if (offline) {
            throw new DataException(dataset + " split file " + split.name() + " is not bundled and this run is offline"
                    + " (ai.djl.offline / DJL_OFFLINE / HF_HUB_OFFLINE): run once online to download it from "
                    + url(split) + ", or put " + split.name() + " (git blob " + split.gitBlob() + ") at " + local
                    + ", or use the bundled wikitext-2-v1");
        }
        URI url = url(split);
        Files.createDirectories(local.getParent());
        Path zip = Files.createTempFile(local.getParent(), split.download().hubFile(), ".part");
        try {
            // warn, not info: the default log level hides info, and a network fetch should not be silent
            LOG.warn("downloading {} (member {})", url, split.download().member());
            download(url, zip);
            byte[] content = extract(zip, split.download().member(), url);
            split.verify(content, url + " member " + split.download().member() + " (nothing was cached)");
            AtomicFiles.write(local, ByteBuffer.wrap(content));
            return content;
        } finally {
            Files.deleteIfExists(zip);
        }
    }

    private static void download(URI url, Path target) throws IOException {
        HttpClient http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(30))
                .build();
        HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofMinutes(10)).GET().build();
        HttpResponse<Path> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofFile(target));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("download of " + url + " interrupted", e);
        } catch (IOException e) {
            throw new DataException("download of " + url + " failed: " + e, e);
        }
        if (response.statusCode() != 200) {
            throw new DataException("download of " + url + " failed: HTTP " + response.statusCode());
        }
    }

    private static byte[] extract(Path zip, String member, URI url) throws IOException {
        try (ZipFile zf = new ZipFile(zip.toFile())) {
            ZipEntry entry = zf.getEntry(member);
            if (entry == null) {
                throw new DataException(url + ": the zip has no member " + member);
            }
            try (InputStream in = zf.getInputStream(entry)) {
                return in.readAllBytes();
            }
        } catch (java.util.zip.ZipException e) {
            throw new DataException(url + ": not a readable zip (" + e.getMessage() + "); nothing was cached", e);
        }
    }
}
