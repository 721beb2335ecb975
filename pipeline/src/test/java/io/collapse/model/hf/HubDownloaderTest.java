package io.collapse.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubDownloaderTest {

    static final Path TOKENIZER = Path.of("src/main/resources/io/collapse/text/opt-125m");
    static final String REPO = "facebook/opt-125m";
    static final String DATASET = "ggml-org/ci";

    @TempDir Path cache;

    /** A stand-in for the Hub: serves {@link #files} under /{repo}/resolve/main/, redirecting weights to /cdn/. */
    private HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> dropsLeft = new ConcurrentHashMap<>();
    /** sha256 the server announces: X-Linked-Etag on the redirect (as the Hub does for LFS files), else ETag. */
    private final Map<String, String> etags = new ConcurrentHashMap<>();
    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @BeforeEach
    void startServer() throws IOException {
        Path caseB = HfModelDirTest.CASE_B;
        files.put("config.json", Files.readAllBytes(caseB.resolve("config.json")));
        files.put("pytorch_model.bin", Files.readAllBytes(caseB.resolve("pytorch_model.bin")));
        for (String f : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")) {
            files.put(f, Files.readAllBytes(TOKENIZER.resolve(f)));
        }
        etags.put("pytorch_model.bin", sha256(files.get("pytorch_model.bin")));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private HubDownloader hub() {
        return new HubDownloader().setEndpoint("http://127.0.0.1:" + server.getAddress().getPort())
                .setOffline(false).setToken(null).setRetryDelay(java.time.Duration.ZERO).setProgress(new PrintStream(progress));
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        requests.add(path + (range == null ? "" : " " + range) + (ex.getRequestHeaders().containsKey("Authorization") ? " auth" : ""));
        String resolve = path.startsWith("/datasets/") ? "/datasets/" + DATASET + "/resolve/main/" : "/" + REPO + "/resolve/main/";
        if (path.startsWith(resolve) && path.endsWith(".bin")) { // LFS files live on the CDN
            ex.getResponseHeaders().add("Location", "/cdn/" + path.substring(resolve.length()));
            ex.getResponseHeaders().add("X-Linked-Etag", "\"" + etags.get(path.substring(resolve.length())) + "\"");
            ex.sendResponseHeaders(302, -1);
            ex.close();
            return;
        }
        String name = path.startsWith(resolve) ? path.substring(resolve.length()) : path.startsWith("/cdn/") ? path.substring(5) : null;
        byte[] body = name == null ? null : files.get(name);
        if (body == null) {
            ex.sendResponseHeaders(404, -1);
            ex.close();
            return;
        }
        if (path.startsWith(resolve) && etags.containsKey(name)) {
            ex.getResponseHeaders().add("ETag", "\"" + etags.get(name) + "\"");
        }
        int from = 0;
        Matcher m = range == null ? null : Pattern.compile("bytes=(\\d+)-").matcher(range);
        if (m != null && m.matches()) {
            from = Integer.parseInt(m.group(1));
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
            ex.sendResponseHeaders(206, body.length - from);
        } else {
            ex.sendResponseHeaders(200, body.length);
        }
        OutputStream out = ex.getResponseBody();
        if (dropsLeft.merge(name, -1, Integer::sum) >= 0) {
            // Half of the bytes, then the connection goes away (a fixed-length body left short).
            out.write(body, from, (body.length - from) / 2);
            out.flush();
            ex.close(); // a fixed-length body left short: the server closes the connection
            return;
        }
        out.write(body, from, body.length - from);
        ex.close();
    }

    @Test
    void downloadsAnOptModelFallingBackFromSafetensorsToBin() throws IOException {
        Path dir = hub().setToken("secret").downloadModel(REPO, "main", cache);
        assertEquals(cache.resolve("models--facebook--opt-125m/main"), dir);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(dir.resolve(e.getKey())), e.getKey());
        }
        assertFalse(Files.exists(dir.resolve("model.safetensors")));
        assertTrue(requests.contains("/" + REPO + "/resolve/main/model.safetensors auth"), requests.toString());
        assertTrue(requests.contains("/cdn/pytorch_model.bin auth"), requests.toString());
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(), listing.filter(p -> p.toString().endsWith(".part")).toList());
        }
        assertTrue(progress.toString().contains("pytorch_model.bin"), "progress bar names the file");

        // Cached: the model directory reads, and a second call asks the server nothing.
        assertEquals(HfModelDir.read(HfModelDirTest.CASE_B).tensors().keySet(), HfModelDir.read(dir).tensors().keySet());
        int before = requests.size();
        assertEquals(dir, ModelSource.resolve(REPO, cache, hub()));
        assertEquals(before, requests.size());
    }

    @Test
    void aDroppedTransferResumesWithRangeOnTheNextAttempt() throws IOException {
        dropsLeft.put("pytorch_model.bin", 1);
        IOException e = assertThrows(IOException.class, () -> hub().setAttempts(1).downloadModel(REPO, "main", cache));
        assertTrue(e.getMessage().contains("run again to resume"), e.getMessage());
        Path dir = HubDownloader.repoDir(cache, REPO, "main");
        long partial = Files.size(dir.resolve("pytorch_model.bin.part"));
        assertTrue(partial > 0 && partial < files.get("pytorch_model.bin").length, "partial " + partial);
        assertFalse(Files.exists(dir.resolve("pytorch_model.bin")));

        hub().setAttempts(1).downloadModel(REPO, "main", cache);
        assertTrue(requests.contains("/cdn/pytorch_model.bin bytes=" + partial + "-"), requests.toString());
        assertArrayEquals(files.get("pytorch_model.bin"), Files.readAllBytes(dir.resolve("pytorch_model.bin")));
        assertFalse(Files.exists(dir.resolve("pytorch_model.bin.part")));
    }

    @Test
    void retriesWithinOneCallResumeToo() throws IOException {
        dropsLeft.put("vocab.json", 2);
        Path dir = hub().setAttempts(3).download(REPO, "main", List.of("vocab.json"), cache);
        assertArrayEquals(files.get("vocab.json"), Files.readAllBytes(dir.resolve("vocab.json")));
        List<String> vocabRequests = requests.stream().filter(r -> r.contains("vocab.json")).toList();
        assertEquals(3, vocabRequests.size(), vocabRequests.toString());
        assertTrue(vocabRequests.get(1).contains("bytes=") && vocabRequests.get(2).contains("bytes="), vocabRequests.toString());
    }

    @Test
    void aChecksumMismatchKeepsNothing() throws IOException {
        etags.put("vocab.json", sha256("something else".getBytes()));
        IOException e = assertThrows(IOException.class, () -> hub().download(REPO, "main", List.of("vocab.json"), cache));
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
        Path dir = HubDownloader.repoDir(cache, REPO, "main");
        assertFalse(Files.exists(dir.resolve("vocab.json")));
        assertFalse(Files.exists(dir.resolve("vocab.json.part")));

        etags.put("pytorch_model.bin", sha256(new byte[0]));
        e = assertThrows(IOException.class, () -> hub().download(REPO, "main", List.of("pytorch_model.bin"), cache));
        assertTrue(e.getMessage().contains("sha256 " + sha256(files.get("pytorch_model.bin"))), e.getMessage());
        assertFalse(Files.exists(dir.resolve("pytorch_model.bin")));
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aMissingRequiredFileIsA404Error() {
        IOException e = assertThrows(IOException.class, () -> hub().download(REPO, "main", List.of("nope.json"), cache));
        assertTrue(e.getMessage().contains("404") && e.getMessage().contains("nope.json"), e.getMessage());
    }

    @Test
    void aDatasetFileComesFromTheDatasetsPathIntoTheGivenFolderAndResumes() throws IOException {
        byte[] zip = "not really a zip, but bytes enough to cut in half\n".repeat(64).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        files.put("data.zip", zip);
        etags.put("data.zip", sha256(zip));
        dropsLeft.put("data.zip", 1);
        Path dir = cache.resolve("staging");
        HubDownloader hub = hub();
        assertEquals("http://127.0.0.1:" + server.getAddress().getPort() + "/datasets/" + DATASET + "/resolve/main/data.zip",
                hub.datasetUrl(DATASET, "main", "data.zip"));
        assertEquals(Optional.of(dir.resolve("data.zip")), hub.downloadDatasetFile(DATASET, "main", "data.zip", dir));
        assertArrayEquals(zip, Files.readAllBytes(dir.resolve("data.zip")));
        assertTrue(requests.contains("/datasets/" + DATASET + "/resolve/main/data.zip bytes=" + zip.length / 2 + "-"), requests.toString());
        assertFalse(Files.exists(dir.resolve("data.zip.part")));
        assertEquals(Optional.empty(), hub.downloadDatasetFile(DATASET, "main", "missing.zip", dir));

        int before = requests.size();
        IOException e = assertThrows(IOException.class, () -> hub().setOffline(true).downloadDatasetFile(DATASET, "main", "other.zip", dir));
        assertEquals(before, requests.size());
        assertTrue(e.getMessage().startsWith(HubDownloader.OFFLINE_REFUSAL), e.getMessage());
        assertTrue(e.getMessage().contains(hub.datasetUrl(DATASET, "main", "other.zip"))
                && e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
    }

    @Test
    void offlineRefusesBeforeAnyRequestAndSaysWhatToPutWhere() {
        IOException e = assertThrows(IOException.class, () -> hub().setOffline(true).downloadModel(REPO, "main", cache));
        assertEquals(List.of(), requests);
        String msg = e.getMessage();
        assertTrue(msg.contains("offline"), msg);
        assertTrue(msg.contains(HubDownloader.repoDir(cache, REPO, "main").toAbsolutePath().toString()), msg);
        assertTrue(msg.contains("config.json") && msg.contains("pytorch_model.bin") && msg.contains("merges.txt"), msg);
        assertTrue(msg.contains("--model DIR"), msg);
    }

    @Test
    void theDefaultHubCacheIsHubUnderTheSharedCacheRoot() {
        String saved = System.getProperty("collapse.cache");
        try {
            System.setProperty("collapse.cache", cache.resolve("root").toString());
            assertEquals(cache.resolve("root/hub"), ModelSource.defaultCacheDir());
        } finally {
            if (saved == null) {
                System.clearProperty("collapse.cache");
            } else {
                System.setProperty("collapse.cache", saved);
            }
        }
    }

    @Test
    void modelSourceUsesALocalDirectoryAsIs() throws IOException {
        assertEquals(HfModelDirTest.CASE_A, ModelSource.resolve(HfModelDirTest.CASE_A.toString(), cache, hub().setOffline(true)));
        assertEquals(List.of(), requests);
        IOException e = assertThrows(IOException.class, () -> ModelSource.resolve("no/such-model", cache, hub().setOffline(true)));
        assertTrue(e.getMessage().contains("not a local directory") && e.getMessage().contains("offline"), e.getMessage());
        assertThrows(IOException.class, () -> ModelSource.resolve("../../etc", cache, hub()));
    }
}
