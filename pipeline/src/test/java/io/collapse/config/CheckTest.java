package io.collapse.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The config.json checks every model family shares: one message each, naming the family's field. */
class CheckTest {

    private static void refused(String message, Executable check) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, check).getMessage());
    }

    @Test
    void sizesAreCheckedInTheOrderGivenAndTheFirstBadOneIsNamed() {
        assertDoesNotThrow(() -> Check.modelSizes("n_embd", 1, "n_layer", OptConfig.MAX_SIZE));
        refused("config: n_layer must lie in [1, 1048576], got 0", () -> Check.modelSizes("n_embd", 8, "n_layer", 0, "n_head", -1));
        refused("config: n_head must lie in [1, 1048576], got 1048577", () -> Check.modelSizes("n_head", OptConfig.MAX_SIZE + 1));
    }

    private static final String SMALL = "\"vocab_size\": 10, \"hidden_size\": 8, \"intermediate_size\": 16, \"num_attention_heads\": 2,"
            + " \"num_hidden_layers\": 1048576";

    @Test
    void layersStopAtADepthNoModelHas(@TempDir Path dir) throws Exception {
        assertDoesNotThrow(() -> Check.layers("n_layer", Check.MAX_LAYERS));
        refused("config: num_hidden_layers must lie in [1, 4096], got 1048576", () -> Check.layers("num_hidden_layers", 1 << 20));
        // Every family calls it: a million layers built Java blocks until the heap ran out, minutes in.
        for (String json : List.of("{\"model_type\": \"opt\", \"ffn_dim\": 16, \"max_position_embeddings\": 16, \"word_embed_proj_dim\": 8, " + SMALL + "}",
                "{\"model_type\": \"gpt2\", \"vocab_size\": 10, \"n_layer\": 1048576}",
                "{\"model_type\": \"llama\", " + SMALL + "}",
                "{\"model_type\": \"gpt_neox\", \"max_position_embeddings\": 16, " + SMALL + "}")) {
            IOException e = assertThrows(IOException.class, () -> LmConfigFile.read(dir, json), json);
            assertTrue(e.getMessage().contains("layer") && e.getMessage().contains("must lie in [1, 4096], got 1048576"), json + ": " + e.getMessage());
        }
    }

    @Test
    void widthsHeadsTypesRangesAndTokenIdsNameTheirField() {
        assertDoesNotThrow(() -> Check.divisible("n_embd", 12, "n_head", 3));
        refused("config: n_embd (10) must be divisible by n_head (3)", () -> Check.divisible("n_embd", 10, "n_head", 3));
        assertDoesNotThrow(() -> Check.modelType("qwen2", "llama", "qwen2"));
        refused("config: model_type 'gpt2' is not supported; expected 'opt'", () -> Check.modelType("gpt2", "opt"));
        refused("config: model_type 'mistral' is not supported; expected 'llama' or 'qwen2'",
                () -> Check.modelType("mistral", "llama", "qwen2"));
        refused("config: rms_norm_eps must lie in (0, 1), got 1.0", () -> Check.positiveBelow("rms_norm_eps", 1.0, 1));
        refused("config: initializer_range must lie in (0, 10), got 0.0", () -> Check.positiveBelow("initializer_range", 0, 10));
        assertDoesNotThrow(() -> Check.specialTokenIds(10, null, 0, 9));
        refused("config: special token id -1 (pad/bos/eos) must lie in [0, vocab_size=10)", () -> Check.specialTokenIds(10, 1, -1, 10));
    }

    /** Every family checks its norm epsilon (below 1) and init std (below 10) the one way, under its own key. */
    @Test
    void everyFamilyChecksItsEpsilonAndInitTheSameWay() {
        Map<String, Object> llamaLike = ConfigLoader.fields("vocab_size", 100, "hidden_size", 8, "num_hidden_layers", 1,
                "num_attention_heads", 2, "intermediate_size", 16, "max_position_embeddings", 32);
        Map<String, Map<String, Object>> valid = Map.of(
                "opt", ConfigLoader.fields("vocab_size", 100, "hidden_size", 8, "num_hidden_layers", 1,
                        "num_attention_heads", 2, "ffn_dim", 16, "max_position_embeddings", 32),
                "gpt2", ConfigLoader.fields("vocab_size", 100, "n_embd", 8, "n_layer", 1, "n_head", 2),
                "llama", llamaLike,
                "gpt_neox", llamaLike);
        Map<String, List<String>> keys = Map.of("opt", List.of("init_std"),
                "gpt2", List.of("initializer_range", "layer_norm_epsilon"),
                "llama", List.of("initializer_range", "rms_norm_eps"),
                "gpt_neox", List.of("initializer_range", "layer_norm_eps"));
        keys.forEach((family, names) -> {
            for (String key : names) {
                Map<String, Object> fields = new LinkedHashMap<>(valid.get(family));
                fields.put("model_type", family);
                fields.put(key, 1e9);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LmConfig.of(fields),
                        family + " " + key);
                int max = key.endsWith("eps") || key.endsWith("epsilon") ? 1 : 10;
                assertTrue(e.getMessage().contains(key + " must lie in (0, " + max + "), got 1.0E9"), e.getMessage());
            }
        });
    }
}
