package io.collapse.data;

import io.collapse.io.AtomicFiles;
import io.collapse.io.HubDownloader;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A split the repository does not bundle (wikitext-2-raw-v1's train): a member of a zip in a
 * HuggingFace Hub dataset repository, as the manifest's {@code download} names it. The zip comes
 * through {@link HubDownloader}; the member is checked against the manifest's git blob id and kept
 * as {@code <downloadRoot>/<dataset>/<name>}. Offline it never touches the network.
 */
public final class RawWikitextDownload {

    private static final Logger LOG = LoggerFactory.getLogger(RawWikitextDownload.class);

    /** The branch the zip is read from; the manifest's git blob id pins what it must contain. */
    static final String REVISION = "main";

    private final HubDownloader hub;
    private final Path downloadRoot;

    /** @param downloadRoot files land in {@code downloadRoot/<dataset>/<name>} */
    public RawWikitextDownload(HubDownloader hub, Path downloadRoot) {
        this.hub = hub;
        this.downloadRoot = downloadRoot;
    }

    /** The Hub from the environment ({@code HF_ENDPOINT}, {@code HF_TOKEN}, {@link HubDownloader#offlineFromEnvironment}). */
    public static RawWikitextDownload fromEnvironment(DataPaths paths) {
        return new RawWikitextDownload(new HubDownloader(), paths.downloadRoot());
    }

    /** Where {@code split} of {@code dataset} is kept once downloaded (or where a user may put it). */
    public Path localFile(String dataset, DatasetManifest.SplitFile split) {
        return downloadRoot.resolve(dataset).resolve(split.name());
    }

    /** The URL of the zip holding {@code split}. */
    public URI url(DatasetManifest.SplitFile split) {
        DatasetManifest.Download d = split.download();
        return URI.create(hub.datasetUrl(d.hubDataset(), REVISION, d.hubFile()));
    }

    /**
     * The verified content of {@code split}, downloaded first when it is not cached yet.
     *
     * @throws DataException offline with no cached file (saying where to put one), on a checksum
     *     mismatch or a bad zip (a bad download caches nothing), or when the Hub has no such file
     * @throws IOException when the transfer fails (see {@link HubDownloader})
     */
    public byte[] fetch(String dataset, DatasetManifest.SplitFile split) throws IOException {
        Path local = localFile(dataset, split);
        if (Files.isRegularFile(local)) {
            byte[] content = Files.readAllBytes(local);
            split.verify(content, local + " (delete it to download it again)");
            return content;
        }
        URI url = url(split);
        if (hub.isOffline()) {
            throw new DataException(dataset + " split file " + split.name() + " is not bundled and this run is in "
                    + HubDownloader.OFFLINE_REFUSAL + ": put " + split.name() + " (git blob " + split.gitBlob() + ") at "
                    + local + ", or use the bundled wikitext-2-v1 (online, it is downloaded from " + url + ")");
        }
        DatasetManifest.Download d = split.download();
        Files.createDirectories(local.getParent());
        // The zip only carries the member: it goes to a folder of its own (with the downloader's
        // .part and lock), removed with it, so the cache holds verified files only.
        Path staging = Files.createTempDirectory(local.getParent(), ".download-");
        try {
            // warn, not info: the default log level hides info, and a network fetch should not be silent
            LOG.warn("downloading {} (member {})", url, d.member());
            Path zip;
            try {
                zip = hub.downloadDatasetFile(d.hubDataset(), REVISION, d.hubFile(), staging)
                        .orElseThrow(() -> new DataException("download of " + url + " failed: HTTP 404"));
            } catch (IOException e) {
                if (!HubDownloader.unreachable(e)) {
                    throw e;
                }
                throw new IOException(e.getMessage() + "; without a network, put " + split.name() + " (git blob "
                        + split.gitBlob() + ") at " + local + ", or use the bundled wikitext-2-v1", e);
            }
            byte[] content = extract(zip, d.member(), url);
            split.verify(content, url + " member " + d.member() + " (nothing was cached)");
            AtomicFiles.writeBytes(local, content);
            return content;
        } finally {
            AtomicFiles.deleteTree(staging);
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
