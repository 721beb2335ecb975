package io.collapse.model.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.collapse.TestDevice;
import io.collapse.config.ConfigLoader;
import io.collapse.config.Gpt2Config;
import io.collapse.config.LmConfig;
import io.collapse.config.Presets;
import io.collapse.model.CausalLM;
import io.collapse.model.HfFixture;
import io.collapse.model.PositionIds;
import io.collapse.model.StateDict;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HostTensor;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the HF fixture does not show: old checkpoints' names and buffers, the init, the head untied, positions given. */
class Gpt2LMHeadModelTest {

    /**
     * openai-community/gpt2's layout: names without {@code transformer.}, each layer's
     * {@code attn.bias}/{@code attn.masked_bias} buffers, a tied {@code lm_head.weight}: the same model.
     */
    @Test
    void oldCheckpointNamesAndBuffersLoad() throws IOException {
        HfFixture fx = HfFixture.family("gpt2");
        Map<String, HostTensor> old = new LinkedHashMap<>();
        fx.weights().forEach((k, v) -> old.put(k.substring("transformer.".length()), v));
        for (int i = 0; i < fx.config().numHiddenLayers(); i++) {
            old.put("h." + i + ".attn.bias", HostTensor.ofFloats(new float[4], new long[] {1, 1, 2, 2}));
            old.put("h." + i + ".attn.masked_bias", HostTensor.ofFloats(new float[] {-1e4f}, new long[] {}));
        }
        old.put("lm_head.weight", fx.weights().get("transformer.wte.weight"));
        assertSameLogits(fx, fx.config(), old, "old keys");
    }

    /** A model built from {@code weights} under {@code config} gives the fixture model's logits to the bit. */
    private static void assertSameLogits(HfFixture fx, LmConfig config, Map<String, HostTensor> weights, String message) {
        try (NDManager manager = TestDevice.manager()) {
            NDArray ids = manager.create(fx.inputIds("batch"));
            NDArray want = fx.model(manager).forward(ids, null, null).logits();
            NDArray got = AutoModelForCausalLM.fromStateDict(config, weights, manager, DataType.FLOAT32).forward(ids, null, null).logits();
            assertEquals(0f, want.sub(got).abs().max().getFloat(), message);
        }
    }

    /** HF's init: weights N(0, 0.02), the residual projections N(0, 0.02 / sqrt(2 · n_layer)), norms 1, biases 0. */
    @Test
    void initScalesTheResidualProjections() {
        Gpt2Config c = (Gpt2Config) Presets.get("tiny-gpt2");
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = AutoModelForCausalLM.random(c, 7, manager, DataType.FLOAT32);
            Map<String, HostTensor> sd = lm.stateDict();
            double fc = std(sd.get("transformer.h.0.mlp.c_fc.weight").toFloats());
            double proj = std(sd.get("transformer.h.0.mlp.c_proj.weight").toFloats());
            assertEquals(0.02, fc, 0.001);
            assertEquals(0.02 / Math.sqrt(2 * c.numHiddenLayers()), proj, 0.001);
            assertEquals(0.02 / Math.sqrt(2 * c.numHiddenLayers()), std(sd.get("transformer.h.1.attn.c_proj.weight").toFloats()), 0.002);
            assertEquals(1f, sd.get("transformer.ln_f.weight").toFloats()[5]);
            assertEquals(0f, sd.get("transformer.h.0.attn.c_attn.bias").toFloats()[5]);
            assertEquals(List.of(64L, 192L), List.of(sd.get("transformer.h.0.attn.c_attn.weight").shape()[0],
                    sd.get("transformer.h.0.attn.c_attn.weight").shape()[1]), "Conv1D keeps HF's (in, out)");
        }
    }

    @Test
    void anUntiedHeadHasItsOwnWeight() throws IOException {
        HfFixture fx = HfFixture.family("gpt2");
        Gpt2Config tied = (Gpt2Config) fx.config();
        Gpt2Config untied = ConfigLoader.with("config", tied,
                Map.of("resid_pdrop", 0.0, "embd_pdrop", 0.0, "attn_pdrop", 0.0, "tie_word_embeddings", false));
        List<String> keys = StateDict.keys(new Gpt2LMHeadModel(untied));
        assertEquals("transformer.wte.weight", keys.get(0));
        assertEquals("lm_head.weight", keys.get(keys.size() - 1));
        Map<String, HostTensor> weights = new LinkedHashMap<>(fx.weights());
        weights.put("lm_head.weight", fx.weights().get("transformer.wte.weight"));
        assertSameLogits(fx, untied, weights, "the same head, held apart");
    }

    /**
     * Left padding: our default positions follow the mask (HF generate's); HF's forward's arange is
     * passed explicitly. OPT, whose positions only the mask decides, refuses them.
     */
    @Test
    void givenPositionsReplaceTheMasksOnes() throws IOException {
        HfFixture fx = HfFixture.family("gpt2");
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = fx.model(manager);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray ids = manager.create(fx.inputIds("padded"));
            NDArray mask = manager.create(fx.attentionMask("padded"));
            NDArray arange = manager.arange(0, 48, 1, DataType.INT64).reshape(1, 48).repeat(0, 3);
            NDArray byMask = lm.forward(ps, ids, mask, null, null, false, false).logits();
            NDArray byArange = lm.forward(ps, ids, mask, arange, null, false, false).logits();
            NDArray given = lm.forward(ps, ids, mask, PositionIds.fromMask(mask, 0), null, false, false).logits();
            assertEquals(0f, byMask.sub(given).abs().max().getFloat(), "default = generate's positions");
            assertEquals(0f, byMask.get("0").sub(byArange.get("0")).abs().max().getFloat(), "an unpadded row is the same");
            assertTrue(byMask.get("1, -1").sub(byArange.get("1, -1")).abs().max().getFloat() > 1e-3, "a padded row is not");
            assertThrows(IllegalArgumentException.class,
                    () -> lm.forward(ps, ids, mask, arange.get(":, :4"), null, false, false));
            CausalLM opt = AutoModelForCausalLM.random(Presets.get("tiny"), 1, manager, DataType.FLOAT32);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> opt.forward(ps, ids, mask, arange, null, false, false));
            assertTrue(e.getMessage().contains("opt takes no position_ids"), e.getMessage());
        }
    }

    private static double std(float[] values) {
        double sum = 0;
        double sq = 0;
        for (float v : values) {
            sum += v;
            sq += (double) v * v;
        }
        double mean = sum / values.length;
        return Math.sqrt(sq / values.length - mean * mean);
    }
}
