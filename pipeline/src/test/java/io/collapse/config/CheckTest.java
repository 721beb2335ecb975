package io.collapse.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

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
}
