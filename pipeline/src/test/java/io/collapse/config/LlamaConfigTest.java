package io.collapse.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaConfigTest {

    @TempDir Path dir;

    private static final String SIZES = "\"vocab_size\": 1000, \"hidden_size\": 64, \"intermediate_size\": 160,"
            + " \"num_hidden_layers\": 2, \"num_attention_heads\": 4";

    /** As transformers 5.17 writes a Llama 3.2-style config (rope settings inside rope_parameters). */
    @Test
    void readsTransformers5ConfigWithLlama3Rope() throws IOException {
        LlamaConfig c = assertInstanceOf(LlamaConfig.class, LmConfigFile.read(dir, "{\"model_type\": \"llama\", " + SIZES
                + ", \"num_key_value_heads\": 2, \"head_dim\": 16, \"max_position_embeddings\": 256, \"pad_token_id\": null,"
                + " \"rope_parameters\": {\"factor\": 8.0, \"high_freq_factor\": 4.0, \"low_freq_factor\": 1.0,"
                + " \"original_max_position_embeddings\": 64, \"rope_theta\": 10000.0, \"rope_type\": \"llama3\"},"
                + " \"tie_word_embeddings\": true, \"pretraining_tp\": 1, \"use_cache\": true}"));
        assertEquals(2, c.numKeyValueHeads());
        assertEquals(16, c.headDim());
        assertEquals("llama3", c.ropeParameters().ropeType());
        assertEquals(64, c.ropeParameters().originalMaxPositionEmbeddings());
        assertEquals(10000.0, c.ropeParameters().ropeTheta());
        assertTrue(c.tiedLmHead());
        assertNull(c.padTokenId());
        assertEquals(1, c.bosTokenId());
        assertEquals(2, c.eosTokenId());
        assertEquals(1e-6, c.rmsNormEps());
        assertFalse(c.qkvBias());
    }

    /** 4.x configs (TinyLlama, SmolLM2): rope_theta beside the model, rope_scaling with "type". */
    @Test
    void readsTransformers4RopeKeysAndWritesThem5xStyle() throws IOException {
        LlamaConfig c = (LlamaConfig) LmConfigFile.read(dir, "{\"model_type\": \"llama\", " + SIZES
                + ", \"rope_theta\": 100000.0, \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}}");
        assertEquals(new RopeParameters("linear", 100000.0, 2.0, null, null, null), c.ropeParameters());
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(16, c.headDim());
        assertEquals(2048, c.maxPositionEmbeddings());
        JsonNode written = ConfigLoader.JSON.readTree(c.toJson("float32"));
        assertEquals(100000.0, written.get("rope_parameters").get("rope_theta").asDouble());
        assertEquals("linear", written.get("rope_parameters").get("rope_type").asText());
        assertNull(written.get("rope_scaling"));
        assertNull(written.get("rope_theta"));
        assertEquals("LlamaForCausalLM", written.get("architectures").get(0).asText());
        Path again = dir.resolve("again.json");
        Files.writeString(again, c.toJson("float32"));
        assertEquals(c, LmConfig.read(again));
    }

    @Test
    void qwen2HasQkvBiasesAndItsOwnDefaults() throws IOException {
        LlamaConfig c = (LlamaConfig) LmConfigFile.read(dir, "{\"model_type\": \"qwen2\", " + SIZES + ", \"num_key_value_heads\": 2,"
                + " \"rope_parameters\": {\"rope_theta\": 1000000.0, \"rope_type\": \"default\"},"
                + " \"use_sliding_window\": false, \"sliding_window\": null, \"layer_types\": [\"full_attention\", \"full_attention\"],"
                + " \"bos_token_id\": 997, \"eos_token_id\": 997}");
        assertTrue(c.qkvBias());
        assertFalse(c.oProjBias());
        assertFalse(c.mlpBiasOn());
        assertEquals(32768, c.maxPositionEmbeddings());
        assertFalse(c.tiedLmHead());
        assertEquals(997, SpecialTokens.of(c).padOrEos().getAsInt());
        assertEquals("Qwen2ForCausalLM", ConfigLoader.JSON.readTree(c.toJson("bfloat16")).get("architectures").get(0).asText());
    }

    @Test
    void refusalsNameTheFieldAndValue() {
        assertMessage("config: num_key_value_heads (3) must divide num_attention_heads (4)",
                "{\"model_type\": \"llama\", " + SIZES + ", \"num_key_value_heads\": 3}");
        assertMessage("config: rope type 'yarn' is not supported; expected one of [default, linear, llama3]",
                "{\"model_type\": \"llama\", " + SIZES + ", \"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}}");
        assertMessage("config: linear rope needs factor in (0, 1e9), got null",
                "{\"model_type\": \"llama\", " + SIZES + ", \"rope_parameters\": {\"rope_type\": \"linear\"}}");
        assertMessage("config: use_sliding_window=true is not supported (Qwen2 sliding-window attention)",
                "{\"model_type\": \"qwen2\", " + SIZES + ", \"use_sliding_window\": true}");
        assertMessage("config: pad_token_id [0,1] is not supported; expected one token id",
                "{\"model_type\": \"llama\", " + SIZES + ", \"pad_token_id\": [0, 1]}");
        assertMessage("config: special token id 1000 (pad/bos/eos) must lie in [0, vocab_size=1000)",
                "{\"model_type\": \"llama\", " + SIZES + ", \"eos_token_id\": [2, 1000]}");
        assertMessage("config.json: eos_token_id.[1]: expected an integer in [-2147483648, 2147483647], got x",
                "{\"model_type\": \"llama\", " + SIZES + ", \"eos_token_id\": [2, \"x\"]}");
        assertMessage("config: eos_token_id [2, null] is not supported; expected a token id or a list of them",
                "{\"model_type\": \"llama\", " + SIZES + ", \"eos_token_id\": [2, null]}");
        assertMessage("config: eos_token_id [] is not supported; expected a token id or a list of them",
                "{\"model_type\": \"llama\", " + SIZES + ", \"eos_token_id\": []}");
        assertMessage("config: special token id 1000 (pad/bos/eos) must lie in [0, vocab_size=1000)",
                "{\"model_type\": \"llama\", " + SIZES + ", \"pad_token_id\": 1000}");
        assertMessage("config: hidden_act 'relu2' is not supported; expected one of [gelu, gelu_new, gelu_pytorch_tanh, relu, silu, swish]",
                "{\"model_type\": \"llama\", " + SIZES + ", \"hidden_act\": \"relu2\"}");
    }

    @Test
    void aOneElementEosListIsThatId() throws IOException {
        LmConfig c = LmConfigFile.read(dir, "{\"model_type\": \"llama\", " + SIZES + ", \"eos_token_id\": [7]}");
        assertEquals(7, c.eosTokenId());
        assertEquals(List.of(7), c.eosTokenIds());
        assertEquals(7, ConfigLoader.JSON.readTree(c.toJson("float32")).get("eos_token_id").intValue(), "written as one id");
    }

    /** Llama 3.1/3.2 instruct's config: any of the ids ends a sequence; the first pads; written back as the list it was. */
    @Test
    void severalEosIdsAreKeptInOrder() throws IOException {
        LmConfig c = LmConfigFile.read(dir, "{\"model_type\": \"llama\", \"vocab_size\": 128256, \"hidden_size\": 64,"
                + " \"intermediate_size\": 160, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
                + " \"bos_token_id\": 128000, \"eos_token_id\": [128001, 128008, 128009]}");
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
        assertEquals(128001, c.eosTokenId());
        assertEquals("[128001,128008,128009]", ConfigLoader.JSON.readTree(c.toJson("float32")).get("eos_token_id").toString());
        assertEquals(c, LmConfigFile.read(dir, c.toJson("float32")));
    }

    /** Qwen2 has no default eos: none, and none written. */
    @Test
    void aQwen2ConfigWithoutEosHasNone() throws IOException {
        LmConfig c = LmConfigFile.read(dir, "{\"model_type\": \"qwen2\", " + SIZES + "}");
        assertEquals(List.of(), c.eosTokenIds());
        assertNull(c.eosTokenId());
        assertFalse(ConfigLoader.JSON.readTree(c.toJson("float32")).has("eos_token_id"));
    }

    private void assertMessage(String expected, String json) {
        IOException e = assertThrows(IOException.class, () -> LmConfigFile.read(dir, json));
        assertTrue(e.getMessage().endsWith(expected), e.getMessage());
    }
}
