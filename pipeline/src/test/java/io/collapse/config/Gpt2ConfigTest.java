package io.collapse.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GPT-2's config.json: HF's defaults, the shapes derived from them, and what is refused. */
class Gpt2ConfigTest {

    @TempDir Path tmp;

    @Test
    void absentKeysTakeGpt2sValues() throws IOException {
        Gpt2Config c = (Gpt2Config) LmConfigFile.read(tmp, "{\"model_type\": \"gpt2\", \"vocab_size\": 50257, \"pad_token_id\": null}");
        assertEquals(768, c.hiddenSize());
        assertEquals(3072, c.intermediateSize());
        assertEquals(1024, c.maxPositionEmbeddings());
        assertEquals(12, c.numHiddenLayers());
        assertEquals(64, c.headDim());
        assertEquals(50256, c.eosTokenId());
        assertEquals(50256, SpecialTokens.of(c).padOrEos().getAsInt(), "no pad token: padding uses eos");
        assertEquals(1e-5, c.layerNormEpsilon());
        assertEquals(Activation.GELU_TANH, c.activation());
        assertTrue(c.tiedLmHead());
        assertEquals("transformer.h.0.ln_1.weight", c.canonicalName("h.0.ln_1.weight"));
        assertTrue(c.ignoredTensor("h.3.attn.bias") && c.ignoredTensor("transformer.h.3.attn.masked_bias"));
        assertEquals(c, Presets.get("gpt2"), "the gpt2 preset is openai-community/gpt2's config");
    }

    /** gpt2 has 124,439,808 parameters; all but its 121,344 biases and norm weights are matrices. */
    @Test
    void gpt2sMatricesAreItsParametersLessBiasesAndNorms() {
        LmConfig c = Presets.get("gpt2");
        assertEquals(124_439_808L - 121_344L, c.matrixParameters());
        assertEquals(12L * (4 * 768 * 768 + 2 * 768 * 3072) + 50257L * 768, c.matmulParameters());
        assertEquals(50272, Presets.get("tiny-gpt2").vocabSize(), "the bundled OPT tokenizer's ids fit");
    }

    @Test
    void unsupportedSettingsAreNamed() {
        IOException io = assertThrows(IOException.class,
                () -> LmConfigFile.read(tmp, "{\"model_type\": \"gpt2\", \"vocab_size\": 100, \"eos_token_id\": 0, \"bos_token_id\": 0,"
                        + " \"reorder_and_upcast_attn\": true}"));
        assertTrue(io.getMessage().contains("reorder_and_upcast_attn=true is not supported"), io.getMessage());
        io = assertThrows(IOException.class,
                () -> LmConfigFile.read(tmp, "{\"model_type\": \"gpt2\", \"vocab_size\": 100, \"eos_token_id\": 0, \"bos_token_id\": 0,"
                        + " \"n_embd\": 100, \"n_head\": 3}"));
        assertTrue(io.getMessage().contains("n_embd (100) must be divisible by n_head (3)"), io.getMessage());
        io = assertThrows(IOException.class, () -> LmConfigFile.read(tmp, "{\"model_type\": \"gpt2\", \"vocab_size\": 100}"));
        assertTrue(io.getMessage().contains("special token id 50256"), io.getMessage());
    }
}
