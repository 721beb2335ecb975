package io.collapse.model.hf;

import static io.collapse.io.FakeHub.REPO;
import static io.collapse.io.FakeHub.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.io.FakeHub;
import io.collapse.io.HubDownloader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An OPT model from a local directory or from {@link FakeHub}, a stand-in for the Hub. */
class ModelSourceTest {

    static final Path TOKENIZER = Path.of("src/main/resources/io/collapse/text/opt-125m");

    @TempDir Path cache;
    private FakeHub server;

    @BeforeEach
    void startServer() throws IOException {
        server = new FakeHub();
        Path caseB = HfModelDirTest.CASE_B;
        server.files.put("config.json", Files.readAllBytes(caseB.resolve("config.json")));
        server.files.put("pytorch_model.bin", Files.readAllBytes(caseB.resolve("pytorch_model.bin")));
        for (String f : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")) {
            server.files.put(f, Files.readAllBytes(TOKENIZER.resolve(f)));
        }
        server.etags.put("pytorch_model.bin", sha256(server.files.get("pytorch_model.bin")));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void downloadsAnOptModelFallingBackFromSafetensorsToBin() throws IOException {
        Path dir = ModelSource.downloadModel(server.hub().setToken("secret"), REPO, "main", cache);
        assertEquals(cache.resolve("models--facebook--opt-125m/main"), dir);
        for (Map.Entry<String, byte[]> e : server.files.entrySet()) {
            assertArrayEquals(e.getValue(), Files.readAllBytes(dir.resolve(e.getKey())), e.getKey());
        }
        assertFalse(Files.exists(dir.resolve("model.safetensors")));
        assertTrue(server.requests.contains("/" + REPO + "/resolve/main/model.safetensors auth"), server.requests.toString());
        assertTrue(server.requests.contains("/cdn/pytorch_model.bin auth"), server.requests.toString());
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(), listing.filter(p -> p.toString().endsWith(".part")).toList());
        }
        assertTrue(server.progress.toString().contains("pytorch_model.bin"), "progress bar names the file");

        // Cached: the model directory reads, and a second call asks the server nothing.
        assertEquals(HfModelDir.read(HfModelDirTest.CASE_B).tensors().keySet(), HfModelDir.read(dir).tensors().keySet());
        int before = server.requests.size();
        assertEquals(dir, ModelSource.resolve(REPO, cache, server.hub()));
        assertEquals(before, server.requests.size());
    }

    /** A Llama-style repository: tokenizer.json only, generation_config.json, safetensors in two shards behind an index. */
    @Test
    void downloadsATokenizerJsonModelWithShardedSafetensors() throws IOException {
        server.files.clear();
        server.files.put("config.json", Files.readAllBytes(HfModelDirTest.CASE_B.resolve("config.json")));
        server.files.put("tokenizer.json", "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        server.files.put("generation_config.json", "{\"eos_token_id\": [2, 3]}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Map<String, HostTensor> tensors = Safetensors.read(HfModelDirTest.CASE_B.resolve("model.safetensors"));
        Map<String, HostTensor> first = new java.util.TreeMap<>();
        Map<String, HostTensor> second = new java.util.TreeMap<>();
        Map<String, String> weightMap = new java.util.TreeMap<>();
        tensors.forEach((name, t) -> {
            boolean one = name.contains("embed");
            (one ? first : second).put(name, t);
            weightMap.put(name, one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        });
        Path scratch = cache.resolve("scratch");
        Files.createDirectories(scratch);
        Safetensors.write(scratch.resolve("a"), first, Map.of());
        Safetensors.write(scratch.resolve("b"), second, Map.of());
        server.files.put("model-00001-of-00002.safetensors", Files.readAllBytes(scratch.resolve("a")));
        server.files.put("model-00002-of-00002.safetensors", Files.readAllBytes(scratch.resolve("b")));
        server.files.put("model.safetensors.index.json",
                new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(Map.of("weight_map", weightMap)));

        Path dir = ModelSource.downloadModel(server.hub(), REPO, "main", cache);
        assertEquals(tensors.keySet(), HfModelDir.read(dir).tensors().keySet());
        assertFalse(Files.exists(dir.resolve("vocab.json")), "only the files the repository has");
        assertEquals("{\"eos_token_id\": [2, 3]}", Files.readString(dir.resolve("generation_config.json")), "generate's eos ids");
        int before = server.requests.size();
        assertEquals(dir, ModelSource.downloadModel(server.hub(), REPO, "main", cache));
        assertEquals(before, server.requests.size(), "a complete cached copy asks nothing");

        // A copy cached before generation_config.json was fetched: asked for once, offline not at all.
        Files.delete(dir.resolve("generation_config.json"));
        Files.delete(dir.resolve(ModelSource.COMPLETE));
        assertEquals(dir, ModelSource.downloadModel(server.hub().setOffline(true), REPO, "main", cache));
        assertEquals(before, server.requests.size(), "offline: the old copy as it is");
        assertEquals(dir, ModelSource.downloadModel(server.hub(), REPO, "main", cache));
        assertEquals(before + 1, server.requests.size(), server.requests.toString());
        assertEquals("{\"eos_token_id\": [2, 3]}", Files.readString(dir.resolve("generation_config.json")));
        assertEquals(dir, ModelSource.downloadModel(server.hub(), REPO, "main", cache));
        assertEquals(before + 1, server.requests.size(), "then complete: nothing asked");

        // An old copy and a hub out of reach: the copy serves as it did, and is asked again next time.
        Files.delete(dir.resolve("generation_config.json"));
        Files.delete(dir.resolve(ModelSource.COMPLETE));
        server.close();
        assertEquals(dir, ModelSource.downloadModel(server.hub(), REPO, "main", cache));
        assertTrue(server.progress.toString().contains("warning: " + dir + " was cached before collapse fetched"
                + " generation_config.json, and asking "), server.progress.toString());
        assertFalse(Files.exists(dir.resolve(ModelSource.COMPLETE)), "not marked: asked again next time");

        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        IOException e = assertThrows(IOException.class,
                () -> ModelSource.downloadModel(server.hub().setOffline(true), REPO, "main", cache));
        assertTrue(e.getMessage().contains("model-00002-of-00002.safetensors"), e.getMessage());
    }

    @Test
    void aDroppedTransferResumesWithRangeOnTheNextAttempt() throws IOException {
        server.dropsLeft.put("pytorch_model.bin", 1);
        IOException e = assertThrows(IOException.class, () -> ModelSource.downloadModel(server.hub().setAttempts(1), REPO, "main", cache));
        assertTrue(e.getMessage().contains("run again to resume"), e.getMessage());
        Path dir = HubDownloader.repoDir(cache, REPO, "main");
        long partial = Files.size(dir.resolve("pytorch_model.bin.part"));
        assertTrue(partial > 0 && partial < server.files.get("pytorch_model.bin").length, "partial " + partial);
        assertFalse(Files.exists(dir.resolve("pytorch_model.bin")));

        ModelSource.downloadModel(server.hub().setAttempts(1), REPO, "main", cache);
        assertTrue(server.requests.contains("/cdn/pytorch_model.bin bytes=" + partial + "-"), server.requests.toString());
        assertArrayEquals(server.files.get("pytorch_model.bin"), Files.readAllBytes(dir.resolve("pytorch_model.bin")));
        assertFalse(Files.exists(dir.resolve("pytorch_model.bin.part")));
    }

    @Test
    void offlineRefusesBeforeAnyRequestAndSaysWhatToPutWhere() {
        IOException e = assertThrows(IOException.class, () -> ModelSource.downloadModel(server.hub().setOffline(true), REPO, "main", cache));
        assertEquals(List.of(), server.requests);
        String msg = e.getMessage();
        assertTrue(msg.contains("offline"), msg);
        assertTrue(msg.contains(HubDownloader.repoDir(cache, REPO, "main").toAbsolutePath().toString()), msg);
        assertTrue(msg.contains("config.json") && msg.contains("pytorch_model.bin") && msg.contains("merges.txt"), msg);
        assertTrue(msg.endsWith(", or give a local HF model directory instead (--model DIR, or model.base in a run's config)"), msg);
    }

    /** No network: the Hub's failure, then what serves without it, for `run` (model.base) as for the other commands. */
    @Test
    void anUnreachableHubSaysALocalDirectoryServesAsWell() {
        HubDownloader unreachable = new HubDownloader().setEndpoint("http://127.0.0.1:9").setOffline(false).setAttempts(1).setToken(null);
        IOException e = assertThrows(IOException.class, () -> ModelSource.resolve(REPO, cache, unreachable));
        String msg = e.getMessage();
        assertTrue(msg.startsWith("'facebook/opt-125m' is not a local directory; as a Hub id: ") && msg.contains("connection failed")
                && msg.endsWith("; without the Hub, give a local HF model directory (--model DIR, or model.base in a run's config)"), msg);
        // A Hub that answers, but has no such model, is not a missing network.
        server.files.clear();
        IOException missing = assertThrows(IOException.class, () -> ModelSource.resolve(REPO, cache, server.hub().setAttempts(1)));
        assertFalse(missing.getMessage().contains("without the Hub"), missing.getMessage());
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
        assertEquals(HfModelDirTest.CASE_A, ModelSource.resolve(HfModelDirTest.CASE_A.toString(), cache, server.hub().setOffline(true)));
        assertEquals(List.of(), server.requests);
        IOException e = assertThrows(IOException.class, () -> ModelSource.resolve("no/such-model", cache, server.hub().setOffline(true)));
        assertTrue(e.getMessage().contains("not a local directory") && e.getMessage().contains("offline"), e.getMessage());
        assertThrows(IOException.class, () -> ModelSource.resolve("../../etc", cache, server.hub()));
    }
}
