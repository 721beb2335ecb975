package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import io.collapse.model.hf.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportCommandTest {

    static final Path CASE_B = Path.of("src/test/resources/hf-opt/case-b-postln-proj");
    static final Path BUNDLED = Path.of("src/main/resources/io/collapse/text/opt-125m");

    @TempDir Path tmp;

    /** case b as the original opt checkpoints come: config.json and pytorch_model.bin only. */
    private Path binOnlySource() throws IOException {
        Path src = Files.createDirectory(tmp.resolve("src"));
        Files.copy(CASE_B.resolve("config.json"), src.resolve("config.json"));
        Files.copy(CASE_B.resolve("pytorch_model.bin"), src.resolve("pytorch_model.bin"));
        return src;
    }

    @Test
    void exportsPytorchBinToAnHfDirectoryBitwise() throws IOException {
        Path out = tmp.resolve("exported");
        Cli.Result run = Cli.run("export", "--model", binOnlySource().toString(), "--out", out.toString(), "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode summary = new ObjectMapper().readTree(run.out());
        assertEquals("pytorch_model.bin", summary.path("weights_read").asText());
        assertEquals("bundled opt-125m", summary.path("tokenizer").asText());
        assertEquals(1_721_088, summary.path("parameters").asLong(), "case b's parameter count (README)");

        HfModelDir.Checkpoint back = HfModelDir.read(out);
        assertTrue(back.weights().endsWith("model.safetensors"));
        Map<String, HostTensor> expected = Safetensors.read(CASE_B.resolve("model.safetensors"));
        assertEquals(expected.keySet(), back.tensors().keySet());
        expected.forEach((name, t) -> {
            HostTensor got = back.tensors().get(name);
            assertEquals(t.dtype(), got.dtype(), name);
            assertArrayEquals(t.shape(), got.shape(), name);
            assertEquals(t.data(), got.data(), name + " bytes differ");
        });
        for (String f : List.of("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")) {
            assertArrayEquals(Files.readAllBytes(BUNDLED.resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        }
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("OPTForCausalLM", config.path("architectures").path(0).asText());
        assertEquals(32, config.path("word_embed_proj_dim").asInt());
        assertEquals(false, config.path("do_layer_norm_before").asBoolean());
    }

    @Test
    void exportsBfloat16AndCopiesTheSourceTokenizer() throws IOException {
        Path first = tmp.resolve("first");
        assertEquals(0, Cli.run("export", "--model", binOnlySource().toString(), "--out", first.toString()).code());
        // The source's generation_config.json goes along, byte for byte, even read-only (a write-protected store).
        Path generationConfig = Files.writeString(first.resolve("generation_config.json"), "{\"eos_token_id\": [2, 5]}");
        Files.setPosixFilePermissions(generationConfig, PosixFilePermissions.fromString("r--r--r--"));
        Path out = tmp.resolve("bf16");
        Cli.Result run = Cli.run("export", "--model", first.toString(), "--out", out.toString(), "--dtype", "bfloat16");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("copied from source"), run.out());
        assertEquals("{\"eos_token_id\": [2, 5]}", Files.readString(out.resolve("generation_config.json")));
        // Written, not copied with its mode: a read-only copy is what the directory's fsync could not open (root can).
        assertTrue(Files.getPosixFilePermissions(out.resolve("generation_config.json")).contains(PosixFilePermission.OWNER_WRITE));
        HfModelDir.Checkpoint back = HfModelDir.read(out);
        HfModelDir.Checkpoint f32 = HfModelDir.read(first);
        f32.tensors().forEach((name, t) -> {
            assertEquals(HostTensor.DType.BF16, back.tensors().get(name).dtype(), name);
            assertArrayEquals(t.to(HostTensor.DType.BF16).toFloats(), back.tensors().get(name).toFloats(), name);
        });
    }

    @Test
    void aDirectoryWithoutWeightsFailsWithTheFileNamed() throws IOException {
        Path src = Files.createDirectory(tmp.resolve("empty"));
        Files.copy(CASE_B.resolve("config.json"), src.resolve("config.json"));
        Cli.Result run = Cli.run("export", "--model", src.toString(), "--out", tmp.resolve("x").toString());
        assertEquals(1, run.code());
        assertTrue(run.err().contains("missing weights") && run.err().contains(src.toString()), run.err());
        assertTrue(Files.notExists(tmp.resolve("x")));
    }

    /** A generation_config.json that the export's readers would refuse is refused before it is copied. */
    @Test
    void aBadGenerationConfigIsRefusedNotCopied() throws IOException {
        Path src = tmp.resolve("first");
        assertEquals(0, Cli.run("export", "--model", binOnlySource().toString(), "--out", src.toString()).code());
        Files.writeString(src.resolve("generation_config.json"), "{\"eos_token_id\": [2, 60000]}");
        Path out = tmp.resolve("out");
        Cli.Result run = Cli.run("export", "--model", src.toString(), "--out", out.toString());
        assertEquals(1, run.code());
        assertTrue(run.err().startsWith("error: " + src.resolve("generation_config.json") + ": config: special token id 60000"),
                run.err());
        assertTrue(Files.notExists(out));
        try (var left = Files.list(tmp)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".out")).toList());
        }
    }

    /** Weights that do not fit their config.json are refused before writing; a bundled tokenizer too big for the model is left out. */
    @Test
    void aFolderThatCouldNotBeLoadedIsNotWritten() throws IOException {
        Path src = Files.createDirectory(tmp.resolve("wide"));
        Files.copy(CASE_B.resolve("model.safetensors"), src.resolve("model.safetensors"));
        Files.writeString(src.resolve("config.json"), Files.readString(CASE_B.resolve("config.json"))
                .replace("\"vocab_size\": 50272", "\"vocab_size\": 60000"));
        Cli.Result run = Cli.run("export", "--model", src.toString(), "--out", tmp.resolve("x").toString());
        assertEquals(1, run.code());
        assertTrue(run.err().startsWith("error: " + src.resolve("model.safetensors") + ": state dict does not fit this opt config:"),
                run.err());
        assertTrue(Files.notExists(tmp.resolve("x")));

        // No tokenizer files and vocab_size 1000: the bundled OPT-125m tokenizer (50,265 ids) would make a
        // folder every reader refuses, so the export has none, as its source.
        Path small = Path.of("src/test/resources/hf-opt/case-a-preln");
        run = Cli.run("export", "--model", small.toString(), "--out", tmp.resolve("y").toString(), "--json");
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("\"tokenizer\":\"none (the bundled opt-125m one has more ids than vocab_size)\""), run.out());
        assertFalse(HfModelDir.hasTokenizer(tmp.resolve("y")));
        assertEquals(0, Cli.run("info", "--model", tmp.resolve("y").toString()).code());
    }
}
