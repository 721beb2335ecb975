package io.collapse.model.neox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.TestDevice;
import io.collapse.config.GptNeoXConfig;
import io.collapse.config.Presets;
import io.collapse.model.CausalLM;
import io.collapse.model.CausalLMOutput;
import io.collapse.model.HfFixture;
import io.collapse.model.KvCache;
import io.collapse.model.StateDict;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import io.collapse.model.hf.Safetensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What Pythia, and so the shared hf-families/gpt_neox fixture, does not exercise: the sequential
 * residual, a tied head, no attention biases, full-width rotary with theta 500, layer_norm_eps 1e-3
 * and gelu_new (hf-neox-variant, from bench/fixtures/make_neox_variant.py, transformers 5.17);
 * and the real Pythia-160m shape.
 */
class GptNeoXVariantTest {

    static final double TOL = 1e-4;

    @Test
    void sequentialTiedVariantMatchesTransformers() throws IOException {
        Path dir = HfFixture.resource("hf-neox-variant");
        HfModelDir.Checkpoint ckpt = HfModelDir.read(dir);
        GptNeoXConfig config = (GptNeoXConfig) ckpt.config();
        assertTrue(config.tiedLmHead() && !config.useParallelResidual() && !config.attentionBias());
        JsonNode expected = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        Map<String, HostTensor> want = Safetensors.read(dir.resolve("expected_tensors.safetensors"));
        long[][] ids = HfFixture.longs(expected.get("input_ids"));
        long[][] mask = HfFixture.longs(expected.get("attention_mask"));
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = AutoModelForCausalLM.fromStateDict(config, ckpt.tensors(), manager, DataType.FLOAT32);
            CausalLMOutput out = lm.forward(new ParameterStore(manager, false), manager.create(ids), manager.create(mask),
                    null, false, true);
            for (int i = 0; i < out.hiddenStates().size(); i++) {
                assertClose(want.get("hidden_states." + i), out.hiddenStates().get(i), mask, "hidden_states." + i);
            }
            assertClose(want.get("logits"), out.logits(), mask, "logits");

            // The same logits one token at a time through the cache (positions from the growing mask).
            KvCache cache = KvCache.empty(config.numHiddenLayers());
            int t = ids[0].length;
            float[] stepped = new float[ids.length * t * config.vocabSize()];
            for (int s = 0; s < t; s++) {
                NDArray step = manager.create(ids).get(":, " + s + ":" + (s + 1));
                NDArray seen = manager.create(mask).get(":, :" + (s + 1));
                CausalLMOutput o = lm.forward(step, seen, cache);
                cache = o.cache();
                float[] logits = o.logits().toFloatArray(); // (B, 1, V)
                for (int r = 0; r < ids.length; r++) {
                    System.arraycopy(logits, r * config.vocabSize(), stepped, (r * t + s) * config.vocabSize(),
                            config.vocabSize());
                }
            }
            assertClose(want.get("logits"), manager.create(stepped, out.logits().getShape()), mask, "cached logits");
        }
    }

    /** EleutherAI/pythia-160m has 162,322,944 parameters (transformers' num_parameters on its config). */
    @Test
    void pythia160mPresetHasPythiasParameters() {
        GptNeoXForCausalLM lm = new GptNeoXForCausalLM((GptNeoXConfig) Presets.get("pythia-160m"));
        assertEquals(162_322_944L, lm.numParameters());
        assertEquals("gpt_neox.embed_in.weight", StateDict.parameters(lm).keySet().iterator().next());
        assertTrue(StateDict.parameters(lm).containsKey("embed_out.weight"));
    }

    /** Max |ours − HF| over the positions with mask 1, relative to max |HF| there. */
    private static void assertClose(HostTensor want, NDArray got, long[][] mask, String name) {
        assertArrayEquals(want.shape(), got.getShape().getShape(), name);
        float[] w = want.toFloats();
        float[] g = got.toFloatArray();
        int perRow = w.length / mask.length;
        int perPos = perRow / mask[0].length;
        double maxDiff = 0;
        double scale = 0;
        for (int i = 0; i < w.length; i++) {
            if (mask[i / perRow][(i % perRow) / perPos] == 1) {
                maxDiff = Math.max(maxDiff, Math.abs(w[i] - g[i]));
                scale = Math.max(scale, Math.abs(w[i]));
            }
        }
        double rel = maxDiff / scale;
        System.out.printf("%s: max relative error %.3g%n", name, rel);
        assertTrue(rel < TOL, name + ": relative error " + rel + " >= " + TOL);
    }
}
