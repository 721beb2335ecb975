package io.collapse.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPT-NeoX's config.json as Pythia (transformers 4.x) and transformers 5.17 write it. */
class GptNeoXConfigTest {

    @TempDir Path dir;

    /** EleutherAI/pythia-160m's config.json (4.24): rotary settings as rotary_pct / rotary_emb_base. */
    static final String PYTHIA_160M = """
            {"architectures": ["GPTNeoXForCausalLM"], "bos_token_id": 0, "eos_token_id": 0, "hidden_act": "gelu",
             "hidden_size": 768, "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-05,
             "max_position_embeddings": 2048, "model_type": "gpt_neox", "num_attention_heads": 12,
             "num_hidden_layers": 12, "rotary_emb_base": 10000, "rotary_pct": 0.25, "tie_word_embeddings": false,
             "torch_dtype": "float16", "transformers_version": "4.24.0", "use_cache": true,
             "use_parallel_residual": true, "vocab_size": 50304}""";

    /** The same model as transformers 5.17's save_pretrained writes it: rotary settings in rope_parameters. */
    static final String PYTHIA_160M_5X = """
            {"attention_bias": true, "attention_dropout": 0.0, "bos_token_id": 0, "classifier_dropout": 0.1,
             "eos_token_id": 0, "hidden_act": "gelu", "hidden_dropout": 0.0, "hidden_size": 768,
             "initializer_range": 0.02, "intermediate_size": 3072, "is_decoder": false, "layer_norm_eps": 1e-05,
             "max_position_embeddings": 2048, "model_type": "gpt_neox", "num_attention_heads": 12,
             "num_hidden_layers": 12, "pad_token_id": null,
             "rope_parameters": {"partial_rotary_factor": 0.25, "rope_theta": 10000, "rope_type": "default"},
             "tie_word_embeddings": false, "transformers_version": "5.17.0", "use_cache": true,
             "use_parallel_residual": true, "vocab_size": 50304}""";

    @Test
    void pythiaConfigOfEitherEraReadsAsThePreset() throws IOException {
        GptNeoXConfig old = (GptNeoXConfig) LmConfigFile.read(dir, PYTHIA_160M);
        GptNeoXConfig now = (GptNeoXConfig) LmConfigFile.read(dir, PYTHIA_160M_5X);
        assertEquals(16, old.rotaryNdims());
        assertEquals(10000.0, old.rope().ropeTheta());
        assertEquals(0, old.bosTokenId());
        assertEquals(0, SpecialTokens.of(old).padOrEos().getAsInt()); // no pad id: eos pads
        assertFalse(old.tiedLmHead());
        assertEquals(old.rotaryNdims(), now.rotaryNdims());
        assertEquals(old.rope(), now.rope());
        assertEquals(Presets.get("pythia-160m").toJson("float32"), old.toJson("float32"));
    }

    @Test
    void writesWhatFiveSeventeenWritesAndReadsItBack() throws IOException {
        GptNeoXConfig old = (GptNeoXConfig) LmConfigFile.read(dir, PYTHIA_160M);
        String json = old.toJson("float32");
        JsonNode tree = ConfigLoader.JSON.readTree(json);
        assertEquals(ConfigLoader.JSON.readTree("{\"partial_rotary_factor\": 0.25, \"rope_theta\": 10000.0,"
                + " \"rope_type\": \"default\"}"), tree.get("rope_parameters"));
        assertFalse(tree.has("rotary_pct") || tree.has("rotary_emb_base") || tree.has("rope_scaling"), json);
        assertEquals("GPTNeoXForCausalLM", tree.get("architectures").get(0).asText());
        assertEquals(old, LmConfigFile.read(dir, json));
    }

    /** 5.17's precedence: rope_parameters over rotary_pct / rotary_emb_base, rope_scaling over both; top-level rope_theta ignored. */
    @Test
    void ropeSettingsFollowFiveSeventeensPrecedence() throws IOException {
        String base = "{\"model_type\": \"gpt_neox\", \"vocab_size\": 100, \"hidden_size\": 64, \"num_hidden_layers\": 1,"
                + " \"num_attention_heads\": 2, \"intermediate_size\": 128, \"max_position_embeddings\": 32";
        GptNeoXConfig a = (GptNeoXConfig) LmConfigFile.read(dir, base + ", \"rotary_pct\": 0.5, \"rotary_emb_base\": 7,"
                + " \"rope_parameters\": {\"rope_theta\": 500.0}}");
        assertEquals(500.0, a.rope().ropeTheta());
        assertEquals(16, a.rotaryNdims()); // 0.5 × head 32
        GptNeoXConfig b = (GptNeoXConfig) LmConfigFile.read(dir, base + ", \"rope_theta\": 500.0, \"partial_rotary_factor\": 1.0}");
        assertEquals(10000.0, b.rope().ropeTheta());
        assertEquals(8, b.rotaryNdims()); // the 0.25 default
        GptNeoXConfig c = (GptNeoXConfig) LmConfigFile.read(dir, base + ", \"rope_scaling\": {\"type\": \"default\", \"rope_theta\": 3},"
                + " \"rope_parameters\": {\"rope_theta\": 500.0}, \"rotary_pct\": 1.0}");
        assertEquals(3.0, c.rope().ropeTheta());
        assertEquals(32, c.rotaryNdims());
        assertEquals(2, c.eosTokenId()); // HF's defaults where Pythia's config is silent
        assertTrue(c.useParallelResidual());
        assertTrue(c.attentionBias());
    }

    @Test
    void badValuesAreRejectedNamingTheField() throws IOException {
        Map<String, Object> cases = new LinkedHashMap<>();
        cases.put("rope_parameters", Map.of("rope_type", "yarn", "factor", 2));
        cases.put("rotary_pct", 0.1);
        cases.put("num_attention_heads", 3);
        cases.put("hidden_act", "tanh");
        cases.put("eos_token_id", 100);
        cases.put("layer_norm_eps", 0);
        List<String> messages = List.of("rope_parameters.rope_type 'yarn'", "even number of rotary dims >= 2, got 3",
                "num_attention_heads (3)", "hidden_act 'tanh'", "special token id 100", "layer_norm_eps");
        int i = 0;
        for (Map.Entry<String, Object> e : cases.entrySet()) {
            Map<String, Object> json = new LinkedHashMap<>(Map.of("model_type", "gpt_neox", "vocab_size", 100,
                    "hidden_size", 64, "num_hidden_layers", 1, "num_attention_heads", 2, "intermediate_size", 128,
                    "max_position_embeddings", 32));
            json.put(e.getKey(), e.getValue());
            String text = ConfigLoader.JSON.writeValueAsString(json);
            IOException error = assertThrows(IOException.class, () -> LmConfigFile.read(dir, text), e.getKey());
            assertTrue(error.getMessage().contains(messages.get(i++)), error.getMessage());
        }
    }

    /** Pythia's buffers are dropped, bare-model names gain gpt_neox., 5.17's lm_head is embed_out. */
    @Test
    void checkpointNamesMapOntoTheModel() {
        LmConfig c = Presets.get("tiny-pythia");
        Map<String, Integer> raw = new LinkedHashMap<>();
        raw.put("layers.0.attention.bias", 1);
        raw.put("gpt_neox.layers.0.attention.masked_bias", 2);
        raw.put("gpt_neox.layers.0.attention.rotary_emb.inv_freq", 3);
        raw.put("layers.0.attention.dense.bias", 4);
        raw.put("gpt_neox.embed_in.weight", 5);
        raw.put("lm_head.weight", 6);
        List<String> problems = new ArrayList<>();
        Map<String, Integer> out = c.canonical(raw, false, problems);
        assertEquals(Map.of("gpt_neox.layers.0.attention.dense.bias", 4, "gpt_neox.embed_in.weight", 5,
                "embed_out.weight", 6), out);
        assertEquals(List.of(), problems);
    }
}
