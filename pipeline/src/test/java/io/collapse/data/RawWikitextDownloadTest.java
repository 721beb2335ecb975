package io.collapse.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.collapse.io.Checksums;
import io.collapse.io.HubDownloader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads from a local HTTP server that serves the Hub's URL layout. */
class RawWikitextDownloadTest {

    private static final String TRAIN = " \n = Fake = \n \n A small train file .\n";
    private static final String MEMBER = "wikitext-2-raw/wiki.train.raw";

    @TempDir Path tmp;
    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile byte[] served;
    private volatile int status = 200;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/datasets/ggml-org/ci/resolve/main/wikitext-2-raw-v1.zip", exchange -> {
            requests.incrementAndGet();
            byte[] body = status == 200 ? served : new byte[0];
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private RawWikitextDownload download(boolean offline, Path root) {
        HubDownloader hub = new HubDownloader().setEndpoint(endpoint().toString()).setOffline(offline).setToken(null)
                .setProgress(new PrintStream(OutputStream.nullOutputStream()));
        return new RawWikitextDownload(hub, root);
    }

    private static byte[] zip(String member, String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("wikitext-2-raw/wiki.valid.raw"));
            zip.write("other\n".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry(member));
            zip.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    /** The raw train entry, with the git blob id of our fake file injected. */
    private static DatasetManifest.SplitFile trainSpec() {
        return new DatasetManifest.SplitFile("wiki.train.raw", null, null,
                Checksums.gitBlob(TRAIN.getBytes(StandardCharsets.UTF_8)), null, null,
                new DatasetManifest.Download("ggml-org/ci", "wikitext-2-raw-v1.zip", MEMBER));
    }

    private List<Path> filesUnder(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void downloadsExtractsVerifiesAndCaches() throws IOException {
        served = zip(MEMBER, TRAIN);
        Path root = tmp.resolve("cache/datasets");
        RawWikitextDownload downloader = download(false, root);
        assertEquals(endpoint() + "datasets/ggml-org/ci/resolve/main/wikitext-2-raw-v1.zip",
                downloader.url(trainSpec()).toString());
        byte[] content = downloader.fetch("wikitext-2-raw-v1", trainSpec());
        assertArrayEquals(TRAIN.getBytes(StandardCharsets.UTF_8), content);
        Path cached = root.resolve("wikitext-2-raw-v1/wiki.train.raw");
        assertEquals(List.of(cached), filesUnder(root), "only the verified file remains, no .part");
        assertEquals(TRAIN, Files.readString(cached));

        // the second fetch is served from the cache, even offline
        RawWikitextDownload offline = download(true, root);
        assertArrayEquals(content, offline.fetch("wikitext-2-raw-v1", trainSpec()));
        assertEquals(1, requests.get());
    }

    @Test
    void corruptedDownloadIsAChecksumErrorAndCachesNothing() throws IOException {
        served = zip(MEMBER, TRAIN.replace("small", "smell"));
        Path root = tmp.resolve("cache/datasets");
        RawWikitextDownload downloader = download(false, root);
        var e = assertThrows(DataException.class, () -> downloader.fetch("wikitext-2-raw-v1", trainSpec()));
        assertTrue(e.getMessage().contains("git blob id of the content is "
                + Checksums.gitBlob(TRAIN.replace("small", "smell").getBytes(StandardCharsets.UTF_8))
                + ", expected " + trainSpec().gitBlob()), e.getMessage());
        assertTrue(e.getMessage().contains("nothing was cached"), e.getMessage());
        assertEquals(List.of(), filesUnder(root));
    }

    @Test
    void notAZipMissingMemberAndHttpErrorsCacheNothing() throws IOException {
        Path root = tmp.resolve("cache/datasets");
        RawWikitextDownload downloader = download(false, root);
        served = "<html>not a zip</html>".getBytes(StandardCharsets.UTF_8);
        var notZip = assertThrows(DataException.class, () -> downloader.fetch("wikitext-2-raw-v1", trainSpec()));
        assertTrue(notZip.getMessage().contains("not a readable zip"), notZip.getMessage());
        served = zip("other/name.raw", TRAIN);
        var noMember = assertThrows(DataException.class, () -> downloader.fetch("wikitext-2-raw-v1", trainSpec()));
        assertTrue(noMember.getMessage().contains("has no member " + MEMBER), noMember.getMessage());
        status = 404;
        var http = assertThrows(DataException.class, () -> downloader.fetch("wikitext-2-raw-v1", trainSpec()));
        assertTrue(http.getMessage().endsWith("HTTP 404"), http.getMessage());
        assertEquals(List.of(), filesUnder(root));
    }

    @Test
    void anUnreachableHubSaysWhereTheFileGoesOrWhatIsBundled() {
        Path root = tmp.resolve("cache/datasets");
        HubDownloader unreachable = new HubDownloader().setEndpoint("http://127.0.0.1:9").setOffline(false).setAttempts(1).setToken(null)
                .setProgress(new PrintStream(OutputStream.nullOutputStream()));
        var e = assertThrows(IOException.class, () -> new RawWikitextDownload(unreachable, root).fetch("wikitext-2-raw-v1", trainSpec()));
        assertTrue(e.getMessage().contains("connection failed") && e.getMessage().endsWith("; without a network, put wiki.train.raw"
                + " (git blob " + trainSpec().gitBlob() + ") at " + root.resolve("wikitext-2-raw-v1/wiki.train.raw")
                + ", or use the bundled wikitext-2-v1"), e.getMessage());
    }

    @Test
    void offlineNeverTouchesTheNetwork() {
        served = new byte[0];
        Path root = tmp.resolve("cache/datasets");
        RawWikitextDownload offline = download(true, root);
        var e = assertThrows(DataException.class, () -> offline.fetch("wikitext-2-raw-v1", trainSpec()));
        assertTrue(e.getMessage().contains("put wiki.train.raw (git blob " + trainSpec().gitBlob() + ") at "
                + root.resolve("wikitext-2-raw-v1/wiki.train.raw")), e.getMessage());
        assertEquals(0, requests.get());
        assertFalse(Files.exists(root));
    }

    @Test
    void aCorruptCachedFileIsNamedNotUsed() throws IOException {
        Path root = tmp.resolve("cache/datasets");
        Path cached = root.resolve("wikitext-2-raw-v1/wiki.train.raw");
        Files.createDirectories(cached.getParent());
        Files.writeString(cached, "truncated");
        RawWikitextDownload offline = download(true, root);
        var e = assertThrows(DataException.class, () -> offline.fetch("wikitext-2-raw-v1", trainSpec()));
        assertTrue(e.getMessage().startsWith(cached + " (delete it to download it again): git blob id"), e.getMessage());
    }
}
