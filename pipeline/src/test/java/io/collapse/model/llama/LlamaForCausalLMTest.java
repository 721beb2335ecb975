package io.collapse.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.collapse.TestDevice;
import io.collapse.config.LlamaConfig;
import io.collapse.config.RopeParameters;
import io.collapse.model.CausalLM;
import io.collapse.model.CausalLMOutput;
import io.collapse.model.KvCache;
import io.collapse.model.StateDict;
import io.collapse.model.auto.AutoModelForCausalLM;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Llama family's own contract on random weights (HF parity is FamilyParityTest's, over the
 * hf-families fixtures): HF's parameter names and order, and decoding with the cache giving the
 * logits of one full forward (both number positions as HF's generate), under left padding and GQA.
 */
class LlamaForCausalLMTest {

    /** Qwen2 shape, untied, with a 1-layer variant for the names: q/k/v biases, none on o_proj or the MLP. */
    private static LlamaConfig qwen2(int layers) {
        return qwen2(layers, null);
    }

    private static LlamaConfig qwen2(int layers, Integer padTokenId) {
        return new LlamaConfig(100, 32, 48, layers, 4, 2, 0, 64, 1e-6, new RopeParameters("llama3", 10000.0, 8.0, 1.0, 4.0, 16),
                null, null, null, null, "silu", false, 0.3, 0.0, false, padTokenId, 97, List.of(97), "qwen2");
    }

    /** Qwen2ForCausalLM(...).named_parameters() of transformers 5.17 for the 1-layer config, in its order. */
    @Test
    void parameterNamesAndOrderAreHfs() {
        List<String> hf = List.of("model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
                "model.layers.0.self_attn.q_proj.bias", "model.layers.0.self_attn.k_proj.weight",
                "model.layers.0.self_attn.k_proj.bias", "model.layers.0.self_attn.v_proj.weight",
                "model.layers.0.self_attn.v_proj.bias", "model.layers.0.self_attn.o_proj.weight",
                "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight",
                "model.layers.0.mlp.down_proj.weight", "model.layers.0.input_layernorm.weight",
                "model.layers.0.post_attention_layernorm.weight", "model.norm.weight", "lm_head.weight");
        LlamaForCausalLM lm = new LlamaForCausalLM(qwen2(1));
        assertEquals(hf, StateDict.keys(lm));
        assertEquals(new Shape(16, 32), StateDict.parameters(lm).get("model.layers.0.self_attn.k_proj.weight").getShape());
    }

    /** HF's _init_weights zeroes embed_tokens' padding_idx row: only where the config names a pad token. */
    @Test
    void seededInitZeroesThePadRowOnlyWhereTheConfigNamesOne() {
        int pad = 3;
        int dim = 32;
        try (NDManager m = TestDevice.manager()) {
            float[] padded = AutoModelForCausalLM.random(qwen2(1, pad), 5, m, DataType.FLOAT32).stateDict()
                    .get("model.embed_tokens.weight").toFloats();
            float[] unpadded = AutoModelForCausalLM.random(qwen2(1), 5, m, DataType.FLOAT32).stateDict()
                    .get("model.embed_tokens.weight").toFloats();
            for (int j = pad * dim; j < (pad + 1) * dim; j++) {
                assertEquals(0f, padded[j], "pad row");
                assertNotEquals(0f, unpadded[j], "no pad token, no zero row");
            }
            assertEquals(unpadded[(pad + 1) * dim], padded[(pad + 1) * dim], "the other rows are drawn as without one");
            assertNotEquals(0f, padded[(pad + 1) * dim]);
        }
    }

    @Test
    void decodingWithTheCacheGivesTheFullForwardsLogits() {
        long[][] ids = {
            {0, 0, 0, 11, 12, 13, 21, 22, 23, 24},
            {5, 6, 7, 8, 9, 10, 31, 32, 33, 34},
            {0, 14, 15, 16, 17, 18, 41, 42, 43, 44}};
        long[][] mask = {
            {0, 0, 0, 1, 1, 1, 1, 1, 1, 1},
            {1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
            {0, 1, 1, 1, 1, 1, 1, 1, 1, 1}};
        int prompt = 6;
        int total = ids[0].length;
        try (NDManager m = TestDevice.manager()) {
            CausalLM lm = AutoModelForCausalLM.random(qwen2(2), 5, m, DataType.FLOAT32);
            NDArray idArray = m.create(ids);
            NDArray maskArray = m.create(mask);
            NDArray full = lm.forward(new ParameterStore(m, false), idArray, maskArray, null, false, false).logits(); // (B, S, V)

            CausalLMOutput out = lm.forwardLast(idArray.get(new NDIndex(":, :{}", prompt)),
                    maskArray.get(new NDIndex(":, :{}", prompt)), KvCache.empty(2));
            double worst = rel(full.get(new NDIndex(":, {}, :", prompt - 1)), out.logits());
            for (int s = prompt; s < total; s++) {
                KvCache cache = out.cache();
                assertEquals(new Shape(3, 2, s, 8), cache.key(1).getShape()); // (B, KV, S, D): KV heads cached
                out = lm.forwardLast(idArray.get(new NDIndex(":, {}:{}", s, s + 1)),
                        maskArray.get(new NDIndex(":, :{}", s + 1)), cache);
                worst = Math.max(worst, rel(full.get(new NDIndex(":, {}, :", s)), out.logits()));
            }
            assertTrue(worst < 1e-5, "max relative difference " + worst);
        }
    }

    private static double rel(NDArray want, NDArray got) {
        return want.sub(got).abs().max().getFloat() / want.abs().max().getFloat();
    }
}
