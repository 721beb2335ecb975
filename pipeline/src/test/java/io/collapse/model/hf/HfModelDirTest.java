package io.collapse.model.hf;

import static io.collapse.model.hf.TorchPickleTest.assertTensorEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.TestFiles;
import io.collapse.config.OptConfig;
import io.collapse.config.Presets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfModelDirTest {

    static final Path CASE_A = TorchPickleTest.FIXTURES.resolve("case-a-preln");
    static final Path CASE_B = TorchPickleTest.FIXTURES.resolve("case-b-postln-proj");

    @TempDir Path tmp;

    /** A model dir holding config.json and the named fixture files only. */
    private Path modelDir(Path fixture, String... files) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "model");
        Files.copy(fixture.resolve("config.json"), dir.resolve("config.json"));
        for (String f : files) {
            Files.copy(fixture.resolve(f), dir.resolve(f));
        }
        return dir;
    }

    @Test
    void everyWeightsFormatGivesTheSameHfNamedTensors() throws IOException {
        Map<String, HostTensor> expected = Safetensors.read(CASE_B.resolve("model.safetensors"));
        HfModelDir.Checkpoint fromSt = HfModelDir.read(modelDir(CASE_B, "model.safetensors"));
        HfModelDir.Checkpoint fromBin = HfModelDir.read(modelDir(CASE_B, "pytorch_model.bin"));
        assertTrue(fromBin.weights().endsWith("pytorch_model.bin"));
        assertEquals(32, ((OptConfig) fromSt.config()).wordEmbedProjDim());
        // Two shards and an index, as save_pretrained(max_shard_size=...) writes them.
        Path sharded = modelDir(CASE_B);
        Map<String, HostTensor> first = new TreeMap<>();
        Map<String, HostTensor> second = new TreeMap<>();
        Map<String, String> weightMap = new TreeMap<>();
        expected.forEach((name, t) -> {
            boolean one = name.contains("layers.0") || name.contains("embed");
            (one ? first : second).put(name, t);
            weightMap.put(name, one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        });
        Safetensors.write(sharded.resolve("model-00001-of-00002.safetensors"), first, Map.of());
        Safetensors.write(sharded.resolve("model-00002-of-00002.safetensors"), second, Map.of());
        new ObjectMapper().writeValue(sharded.resolve("model.safetensors.index.json").toFile(),
                Map.of("metadata", Map.of("total_size", 0), "weight_map", weightMap));
        HfModelDir.Checkpoint fromShards = HfModelDir.read(sharded);
        // A sharded pytorch_model.bin: here one shard, under another name.
        Path binShards = modelDir(CASE_B);
        Files.copy(CASE_B.resolve("pytorch_model.bin"), binShards.resolve("pytorch_model-00001-of-00001.bin"));
        Map<String, String> binMap = new TreeMap<>();
        TorchPickle.read(CASE_B.resolve("pytorch_model.bin")).keySet().forEach(k -> binMap.put(k, "pytorch_model-00001-of-00001.bin"));
        new ObjectMapper().writeValue(binShards.resolve("pytorch_model.bin.index.json").toFile(), Map.of("weight_map", binMap));
        HfModelDir.Checkpoint fromBinShards = HfModelDir.read(binShards);
        assertTrue(fromBinShards.weights().endsWith("pytorch_model.bin.index.json"));

        for (HfModelDir.Checkpoint c : List.of(fromSt, fromBin, fromShards, fromBinShards)) {
            assertEquals(expected.keySet(), c.tensors().keySet(), c.weights().toString());
            expected.forEach((name, t) -> assertTensorEquals(t, c.tensors().get(name), name));
        }
    }

    @Test
    void lmHeadIsDroppedAndBareNamesGetTheModelPrefix() throws CheckpointException {
        HostTensor t = HostTensor.ofFloats(new float[] {1, 2}, 2);
        Map<String, HostTensor> raw = new LinkedHashMap<>();
        raw.put("decoder.embed_tokens.weight", t);
        raw.put("model.decoder.final_layer_norm.weight", t);
        raw.put("lm_head.weight", t);
        Path file = Path.of("model.safetensors");
        assertEquals(List.of("model.decoder.embed_tokens.weight", "model.decoder.final_layer_norm.weight"),
                List.copyOf(HfModelDir.normalizeNames(file, raw, Presets.get("tiny")).keySet()));
        raw.put("model.decoder.embed_tokens.weight", t);
        var e = assertThrows(CheckpointException.class, () -> HfModelDir.normalizeNames(file, raw, Presets.get("tiny")));
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("given twice"), e.getMessage());
    }

    @Test
    void writeThenReadIsBitwiseAndLoadableLayout() throws IOException {
        HfModelDir.Checkpoint src = HfModelDir.read(modelDir(CASE_A, "pytorch_model.bin"));
        Path out = tmp.resolve("export/model");
        HfModelDir.write(out, src.config(), src.tensors(), HostTensor.DType.F32, null);
        var config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("OPTForCausalLM", config.path("architectures").path(0).asText());
        assertEquals("opt", config.path("model_type").asText());
        assertEquals("float32", config.path("torch_dtype").asText());
        // Case A's vocab_size is 1000: the bundled OPT-125m tokenizer (50,265 ids) would not fit it, so
        // the folder gets none, as it came (it used to get one that every reader refused).
        for (String f : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")) {
            assertFalse(Files.exists(out.resolve(f)), f);
        }
        assertEquals("pt", Safetensors.metadata(out.resolve("model.safetensors")).get("format"));
        HfModelDir.Checkpoint back = HfModelDir.read(out);
        assertEquals(src.config(), back.config());
        Map<String, HostTensor> expected = Safetensors.read(CASE_A.resolve("model.safetensors"));
        assertEquals(expected.keySet(), back.tensors().keySet());
        expected.forEach((name, t) -> assertTensorEquals(t, back.tensors().get(name), name));
    }

    @Test
    void writeConvertsDtypeAndReplacesAnExistingDirAtomically() throws IOException {
        HfModelDir.Checkpoint src = HfModelDir.read(modelDir(CASE_A, "model.safetensors"));
        Path out = tmp.resolve("out");
        HfModelDir.write(out, src.config(), src.tensors(), HostTensor.DType.F32, null); // the bundled tokenizer's four files
        Path tokDir = Files.createDirectory(tmp.resolve("tok"));
        Files.writeString(tokDir.resolve("vocab.json"), "{\"a\": 0}");
        Files.writeString(tokDir.resolve("merges.txt"), "#version: 0.2\n");
        HfModelDir.write(out, src.config(), src.tensors(), HostTensor.DType.F16, tokDir);

        assertEquals("{\"a\": 0}", Files.readString(out.resolve("vocab.json")));
        assertFalse(Files.exists(out.resolve("tokenizer_config.json")), "only the source dir's tokenizer files are copied");
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertEquals(List.of(), siblings.filter(p -> p.getFileName().toString().startsWith(".")).toList());
        }
        assertEquals("float16", new ObjectMapper().readTree(out.resolve("config.json").toFile()).path("torch_dtype").asText());
        HfModelDir.Checkpoint back = HfModelDir.read(out);
        src.tensors().forEach((name, t) -> {
            HostTensor half = back.tensors().get(name);
            assertEquals(HostTensor.DType.F16, half.dtype());
            assertArrayEquals(t.to(HostTensor.DType.F16).toFloats(), half.toFloats(), name);
        });
    }

    /** A replace deletes the old directory: what an earlier write did not make there is refused, untouched. */
    @Test
    void aFolderHoldingOtherFilesIsNotReplaced() throws IOException {
        HfModelDir.Checkpoint src = HfModelDir.read(modelDir(CASE_A, "model.safetensors"));
        Path out = Files.createDirectories(tmp.resolve("mine/sub"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        Path folder = out.getParent();
        var e = assertThrows(IOException.class,
                () -> HfModelDir.write(folder, src.config(), src.tensors(), HostTensor.DType.F32, null));
        assertTrue(e.getMessage().startsWith(folder.toAbsolutePath() + ": holds sub/, which replacing it would delete"),
                e.getMessage());
        Path file = Files.writeString(tmp.resolve("a-file"), "mine");
        e = assertThrows(IOException.class, () -> HfModelDir.write(file, src.config(), src.tensors(), HostTensor.DType.F32, null));
        assertTrue(e.getMessage().contains("exists and is not a folder"), e.getMessage());

        Path staged = tmp.resolve(".staged");
        HfModelDir.write(staged, src.config(), src.tensors(), HostTensor.DType.F32, null);
        e = assertThrows(IOException.class, () -> HfModelDir.replace(staged, out));
        assertTrue(e.getMessage().contains("holds notes.txt,"), e.getMessage());
        assertEquals("mine", Files.readString(out.resolve("notes.txt")));
        assertEquals("mine", Files.readString(file));
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".mine")
                    || p.getFileName().toString().startsWith(".a-file")).toList(), "no temporary folder left");
        }
    }

    @Test
    void aWriteInterruptedBetweenItsRenamesIsRecoveredByTheNext() throws IOException {
        HfModelDir.Checkpoint src = HfModelDir.read(modelDir(CASE_A, "model.safetensors"));
        Path out = tmp.resolve("gen-00/model");
        HfModelDir.write(out, src.config(), src.tensors(), HostTensor.DType.F32, null);
        // The state a kill leaves after `out -> .model.old-x`, with a half-written temp dir beside it.
        Files.move(out, tmp.resolve("gen-00/.model.old-deadbeef"));
        Files.createDirectories(tmp.resolve("gen-00/.model.tmp-deadbeef"));
        var e = assertThrows(CheckpointException.class, () -> HfModelDir.read(out));
        assertTrue(e.getMessage().contains(".model.old-deadbeef"), e.getMessage());

        HfModelDir.write(out, src.config(), src.tensors(), HostTensor.DType.F16, null);
        assertEquals(HostTensor.DType.F16, HfModelDir.read(out).tensors().values().iterator().next().dtype());
        try (Stream<Path> siblings = Files.list(tmp.resolve("gen-00"))) {
            assertEquals(List.of(out), siblings.toList());
        }
    }

    // --- bad directories and files: each error names the file and the problem ---

    @Test
    void missingConfigIsNamed() throws IOException {
        Path dir = modelDir(CASE_A, "model.safetensors");
        Files.delete(dir.resolve("config.json"));
        var e = assertThrows(CheckpointException.class, () -> HfModelDir.read(dir));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void missingWeightsAreNamed() throws Exception {
        Path dir = modelDir(CASE_A);
        var e = assertThrows(CheckpointException.class, () -> HfModelDir.read(dir));
        assertTrue(e.getMessage().contains("missing weights") && e.getMessage().contains("pytorch_model.bin"), e.getMessage());
        // A FIFO under the weights' name is not "missing": it is named, and never opened.
        Path fifo = TestFiles.mkfifo(dir.resolve("model.safetensors"));
        IOException instead = TestFiles.refusedAtOnce(IOException.class, () -> HfModelDir.read(dir));
        assertEquals(fifo + ": not a regular file (a FIFO or device?); expected a file", instead.getMessage());
    }

    @Test
    void truncatedSafetensorsIsReported() throws IOException {
        Path dir = modelDir(CASE_A, "model.safetensors");
        Path st = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(st);
        Files.write(st, java.util.Arrays.copyOf(all, all.length - 100));
        var e = assertThrows(CheckpointException.class, () -> HfModelDir.read(dir));
        assertTrue(e.getMessage().contains(st.toString()) && e.getMessage().contains("outside the data section"), e.getMessage());
        Files.write(st, java.util.Arrays.copyOf(all, 50));
        e = assertThrows(CheckpointException.class, () -> HfModelDir.read(dir));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void oversizeHeaderIsReported() throws IOException {
        Path dir = modelDir(CASE_A);
        Path st = dir.resolve("model.safetensors");
        Files.write(st, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        var e = assertThrows(CheckpointException.class, () -> HfModelDir.read(dir));
        assertTrue(e.getMessage().contains(st.toString()) && e.getMessage().contains("header length"), e.getMessage());
    }

    @Test
    void offsetsOutsideTheFileAndUnknownDtypeAreReported() throws IOException {
        Path dir = modelDir(CASE_A);
        Path st = dir.resolve("model.safetensors");
        SafetensorsTest.write(st, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);
        var e = assertThrows(CheckpointException.class, () -> HfModelDir.read(dir));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("outside the data section"), e.getMessage());
        SafetensorsTest.write(st, "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4);
        e = assertThrows(CheckpointException.class, () -> HfModelDir.read(dir));
        assertTrue(e.getMessage().contains("unknown dtype 'F8_E4M3'"), e.getMessage());
    }

    @Test
    void indexPointingAtMissingShardIsReported() throws IOException {
        Path dir = modelDir(CASE_A);
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"model.decoder.embed_tokens.weight\": \"model-00001-of-00002.safetensors\"}}");
        var e = assertThrows(CheckpointException.class, () -> HfModelDir.read(dir));
        assertTrue(e.getMessage().contains("model.safetensors.index.json")
                && e.getMessage().contains("'model-00001-of-00002.safetensors', which is missing"), e.getMessage());
    }

    @Test
    void pickleWithDisallowedGlobalIsReportedThroughTheDir() throws IOException {
        Path dir = modelDir(CASE_A);
        byte[] pkl = new Pickle().proto(2).global("builtins", "exec").str("print(1)").tuple1().reduce().stop().bytes();
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(dir.resolve("pytorch_model.bin")))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("pytorch_model/data.pkl"));
            zip.write(pkl);
            zip.closeEntry();
        }
        var e = assertThrows(CheckpointException.class, () -> HfModelDir.read(dir));
        assertTrue(e.getMessage().contains("pytorch_model.bin") && e.getMessage().contains("builtins.exec"), e.getMessage());
    }

    @Test
    void badConfigIsNamed() throws IOException {
        Path dir = modelDir(CASE_A, "model.safetensors");
        Files.writeString(dir.resolve("config.json"), "{\"vocab_size\": 10, \"hidden_size\": 0}");
        var e = assertThrows(IOException.class, () -> HfModelDir.read(dir));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }
}
