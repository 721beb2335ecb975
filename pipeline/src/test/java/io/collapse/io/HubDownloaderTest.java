package io.collapse.io;

import static io.collapse.io.FakeHub.DATASET;
import static io.collapse.io.FakeHub.REPO;
import static io.collapse.io.FakeHub.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Hub client against {@link FakeHub}; an OPT model's download is in model.hf's ModelSourceTest. */
class HubDownloaderTest {

    @TempDir Path cache;
    private FakeHub server;

    @BeforeEach
    void startServer() throws IOException {
        server = new FakeHub();
        server.files.put("vocab.json", "{\"a\": 0, \"b\": 1}\n".repeat(100).getBytes(StandardCharsets.UTF_8));
        server.files.put("pytorch_model.bin", "PK weights, served from the CDN\n".repeat(100).getBytes(StandardCharsets.UTF_8));
        server.etags.put("pytorch_model.bin", sha256(server.files.get("pytorch_model.bin")));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void retriesWithinOneCallResumeToo() throws IOException {
        server.dropsLeft.put("vocab.json", 2);
        Path dir = server.hub().setAttempts(3).download(REPO, "main", List.of("vocab.json"), cache);
        assertArrayEquals(server.files.get("vocab.json"), Files.readAllBytes(dir.resolve("vocab.json")));
        List<String> vocabRequests = server.requests.stream().filter(r -> r.contains("vocab.json")).toList();
        assertEquals(3, vocabRequests.size(), vocabRequests.toString());
        assertTrue(vocabRequests.get(1).contains("bytes=") && vocabRequests.get(2).contains("bytes="), vocabRequests.toString());
    }

    @Test
    void aChecksumMismatchKeepsNothing() throws IOException {
        server.etags.put("vocab.json", sha256("something else".getBytes()));
        IOException e = assertThrows(IOException.class, () -> server.hub().download(REPO, "main", List.of("vocab.json"), cache));
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
        Path dir = HubDownloader.repoDir(cache, REPO, "main");
        assertFalse(Files.exists(dir.resolve("vocab.json")));
        assertFalse(Files.exists(dir.resolve("vocab.json.part")));

        server.etags.put("pytorch_model.bin", sha256(new byte[0]));
        e = assertThrows(IOException.class, () -> server.hub().download(REPO, "main", List.of("pytorch_model.bin"), cache));
        assertTrue(e.getMessage().contains("sha256 " + sha256(server.files.get("pytorch_model.bin"))), e.getMessage());
        assertFalse(Files.exists(dir.resolve("pytorch_model.bin")));
    }

    @Test
    void aMissingRequiredFileIsA404Error() {
        IOException e = assertThrows(IOException.class, () -> server.hub().download(REPO, "main", List.of("nope.json"), cache));
        assertTrue(e.getMessage().contains("404") && e.getMessage().contains("nope.json"), e.getMessage());
    }

    @Test
    void anOptionalFileIsFalseOn404AndCachedOnceFound() throws IOException {
        HubDownloader hub = server.hub();
        assertFalse(hub.downloadIfFound(REPO, "main", "model.safetensors", cache));
        assertTrue(hub.downloadIfFound(REPO, "main", "pytorch_model.bin", cache));
        Path dir = HubDownloader.repoDir(cache, REPO, "main");
        assertArrayEquals(server.files.get("pytorch_model.bin"), Files.readAllBytes(dir.resolve("pytorch_model.bin")));
        assertFalse(Files.exists(dir.resolve("model.safetensors")));
        int before = server.requests.size();
        assertTrue(hub.setOffline(true).downloadIfFound(REPO, "main", "pytorch_model.bin", cache), "cached: no request, even offline");
        assertEquals(before, server.requests.size());
    }

    @Test
    void aDatasetFileComesFromTheDatasetsPathIntoTheGivenFolderAndResumes() throws IOException {
        byte[] zip = "not really a zip, but bytes enough to cut in half\n".repeat(64).getBytes(StandardCharsets.UTF_8);
        server.files.put("data.zip", zip);
        server.etags.put("data.zip", sha256(zip));
        server.dropsLeft.put("data.zip", 1);
        Path dir = cache.resolve("staging");
        HubDownloader hub = server.hub();
        assertEquals(server.endpoint() + "/datasets/" + DATASET + "/resolve/main/data.zip",
                hub.datasetUrl(DATASET, "main", "data.zip"));
        assertEquals(Optional.of(dir.resolve("data.zip")), hub.downloadDatasetFile(DATASET, "main", "data.zip", dir));
        assertArrayEquals(zip, Files.readAllBytes(dir.resolve("data.zip")));
        assertTrue(server.requests.contains("/datasets/" + DATASET + "/resolve/main/data.zip bytes=" + zip.length / 2 + "-"),
                server.requests.toString());
        assertFalse(Files.exists(dir.resolve("data.zip.part")));
        assertEquals(Optional.empty(), hub.downloadDatasetFile(DATASET, "main", "missing.zip", dir));

        int before = server.requests.size();
        IOException e = assertThrows(IOException.class, () -> server.hub().setOffline(true).downloadDatasetFile(DATASET, "main", "other.zip", dir));
        assertEquals(before, server.requests.size());
        assertTrue(e.getMessage().startsWith(HubDownloader.OFFLINE_REFUSAL), e.getMessage());
        assertTrue(e.getMessage().contains(hub.datasetUrl(DATASET, "main", "other.zip"))
                && e.getMessage().contains(dir.toAbsolutePath().toString()), e.getMessage());
    }

    @Test
    void aServerThatStopsSendingOrAnsweringIsRetriedNotWaitedOn() throws IOException {
        server.stallsLeft.put("vocab.json", 1);
        server.silencesLeft.put("pytorch_model.bin", 1);
        HubDownloader hub = server.hub().setAttempts(2).setStallTimeout(Duration.ofMillis(300));
        long start = System.nanoTime();
        Path dir = hub.download(REPO, "main", List.of("vocab.json", "pytorch_model.bin"), cache);
        assertTrue(System.nanoTime() - start < FakeHub.STALL.toNanos(), "gave up on the stalls before they ended");
        assertArrayEquals(server.files.get("vocab.json"), Files.readAllBytes(dir.resolve("vocab.json")));
        assertArrayEquals(server.files.get("pytorch_model.bin"), Files.readAllBytes(dir.resolve("pytorch_model.bin")));
        List<String> vocab = server.requests.stream().filter(r -> r.contains("vocab.json")).toList();
        assertEquals(2, vocab.size(), vocab.toString());
        assertTrue(vocab.get(1).contains("bytes="), "the second attempt resumes its own part: " + vocab);

        server.stallsLeft.put("merges.txt", 1);
        server.files.put("merges.txt", "#version: 0.2\n".repeat(100).getBytes(StandardCharsets.UTF_8));
        IOException e = assertThrows(IOException.class,
                () -> hub.setAttempts(1).download(REPO, "main", List.of("merges.txt"), cache));
        // merges.txt has no sha256 to vouch for its part, so a later run starts it over: no promise to resume.
        assertTrue(e.getMessage().contains("no data for 300 ms") && e.getMessage().endsWith(", run again"), e.getMessage());
    }

    @Test
    void aPartLeftByAnotherProcessIsResumedOnlyWhereAChecksumVouchesForIt() throws IOException {
        Path dir = Files.createDirectories(HubDownloader.repoDir(cache, REPO, "main"));
        Files.writeString(dir.resolve("vocab.json.part"), "the start of another version of the file");
        server.hub().download(REPO, "main", List.of("vocab.json"), cache);
        assertArrayEquals(server.files.get("vocab.json"), Files.readAllBytes(dir.resolve("vocab.json")));
        List<String> vocab = server.requests.stream().filter(r -> r.contains("vocab.json")).toList();
        assertEquals(2, vocab.size(), vocab.toString());
        assertFalse(vocab.get(1).contains("bytes="), "started over: " + vocab);

        // Also when the first attempt fails before the server could say whether a checksum vouches for the part.
        Files.delete(dir.resolve("vocab.json"));
        Files.writeString(dir.resolve("vocab.json.part"), "STALE-STALE-STALE");
        server.failsLeft.put("vocab.json", 1);
        server.hub().setAttempts(2).download(REPO, "main", List.of("vocab.json"), cache);
        assertArrayEquals(server.files.get("vocab.json"), Files.readAllBytes(dir.resolve("vocab.json")));

        // A link where the part belongs is removed, never written through.
        Files.delete(dir.resolve("vocab.json"));
        Path elsewhere = Files.writeString(cache.resolve("elsewhere.txt"), "the user's file");
        Files.createSymbolicLink(dir.resolve("vocab.json.part"), elsewhere);
        server.hub().download(REPO, "main", List.of("vocab.json"), cache);
        assertEquals("the user's file", Files.readString(elsewhere));
        assertArrayEquals(server.files.get("vocab.json"), Files.readAllBytes(dir.resolve("vocab.json")));

        // A part that a sha256 names is resumed; when it was another version's, the check fails and the
        // whole file comes once more, in the same call.
        Files.writeString(dir.resolve("pytorch_model.bin.part"), "another version's first bytes");
        server.hub().download(REPO, "main", List.of("pytorch_model.bin"), cache);
        assertArrayEquals(server.files.get("pytorch_model.bin"), Files.readAllBytes(dir.resolve("pytorch_model.bin")));
    }

    @Test
    void redirectsGoOnlyToWebAddressesAndNotForEver() {
        server.redirects.put("vocab.json", "file:///etc/passwd");
        IOException e = assertThrows(IOException.class, () -> server.hub().download(REPO, "main", List.of("vocab.json"), cache));
        assertTrue(e.getMessage().contains("redirected to file:///etc/passwd; expected an http or https address"), e.getMessage());
        server.redirects.put("vocab.json", "/" + REPO + "/resolve/main/vocab.json");
        e = assertThrows(IOException.class, () -> server.hub().download(REPO, "main", List.of("vocab.json"), cache));
        assertTrue(e.getMessage().contains("more than 10 redirects"), e.getMessage());
    }

    @Test
    void aFileNameReachesTheServerWhole() throws IOException {
        server.files.put("shard #1?.json", "{}".getBytes(StandardCharsets.UTF_8));
        Path dir = server.hub().download(REPO, "main", List.of("shard #1?.json"), cache);
        assertEquals("{}", Files.readString(dir.resolve("shard #1?.json")));
    }
}
