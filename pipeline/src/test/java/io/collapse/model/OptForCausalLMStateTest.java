package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.TestDevice;
import io.collapse.config.OptConfig;
import io.collapse.config.Presets;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HostTensor;
import io.collapse.model.hf.Safetensors;
import io.collapse.model.opt.OptForCausalLM;
import io.collapse.nativelib.JniRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, saving and seeded init of the weights. */
class OptForCausalLMStateTest {

    @Test
    void saveThenLoadIsBitIdentical(@TempDir Path dir) throws IOException {
        HfFixture fx = HfFixture.load(HfFixture.CASE_B);
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = fx.model(manager);
            Map<String, HostTensor> saved = lm.stateDict();
            assertEquals(fx.weights().keySet(), saved.keySet());
            for (String k : saved.keySet()) {
                assertEquals(fx.weights().get(k).data(), saved.get(k).data(), k);
            }
            Path file = dir.resolve("model.safetensors");
            Safetensors.write(file, saved, Map.of());
            CausalLM again = AutoModelForCausalLM.fromStateDict(fx.config(), Safetensors.read(file), manager, DataType.FLOAT32);
            Map<String, HostTensor> reloaded = again.stateDict();
            for (String k : saved.keySet()) {
                assertEquals(saved.get(k).data(), reloaded.get(k).data(), k);
            }
        }
    }

    @Test
    void acceptsOriginalNamesHalfPrecisionAndTiedLmHead() throws IOException {
        HfFixture fx = HfFixture.load(HfFixture.CASE_A);
        Map<String, HostTensor> original = new LinkedHashMap<>();
        for (var e : fx.weights().entrySet()) {
            original.put(e.getKey().substring("model.".length()), toHalf(e.getValue()));
        }
        original.put("lm_head.weight", fx.weights().get("model.decoder.embed_tokens.weight"));
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = AutoModelForCausalLM.fromStateDict(fx.config(), original, manager, DataType.FLOAT32);
            Map<String, HostTensor> sd = lm.stateDict();
            for (var e : original.entrySet()) {
                if (!e.getKey().equals("lm_head.weight")) {
                    assertArrayEquals(e.getValue().toFloats(), sd.get("model." + e.getKey()).toFloats(), e.getKey());
                }
            }
            CausalLM half = AutoModelForCausalLM.fromStateDict(fx.config(), original, manager, DataType.FLOAT16);
            assertEquals(DataType.FLOAT16, half.dataType());
            assertArrayEquals(sd.get("model.decoder.layers.0.fc1.weight").toFloats(),
                    half.stateDict().get("model.decoder.layers.0.fc1.weight").toFloats());
        }
    }

    @Test
    void originalPytorchCheckpointGivesTheSameWeights() throws IOException {
        for (String caseName : new String[] {HfFixture.CASE_A, HfFixture.CASE_B}) {
            HfFixture fx = HfFixture.load(caseName);
            // decoder.* names, no lm_head: facebook/opt-125m's own layout.
            Map<String, HostTensor> bin = io.collapse.model.hf.TorchPickle.read(fx.dir().resolve("pytorch_model.bin"));
            try (NDManager manager = TestDevice.manager()) {
                Map<String, HostTensor> sd =
                        AutoModelForCausalLM.fromStateDict(fx.config(), bin, manager, DataType.FLOAT32).stateDict();
                assertEquals(fx.weights().keySet(), sd.keySet());
                for (String k : sd.keySet()) {
                    assertEquals(fx.weights().get(k).data(), sd.get(k).data(), caseName + " " + k);
                }
            }
        }
    }

    @Test
    void missingTensorIsNamed() throws IOException {
        assertLoadRefused(sd -> sd.remove("model.decoder.layers.1.fc2.bias"),
                "missing tensors ['model.decoder.layers.1.fc2.bias']");
    }

    @Test
    void unexpectedTensorIsNamed() throws IOException {
        assertLoadRefused(sd -> sd.put("model.decoder.layers.2.fc1.bias", sd.get("model.decoder.layers.1.fc1.bias")),
                "unexpected tensors ['model.decoder.layers.2.fc1.bias']");
    }

    @Test
    void wrongShapeSaysExpectedAndActual() throws IOException {
        assertLoadRefused(sd -> sd.put("model.decoder.layers.0.fc1.weight", HostTensor.ofFloats(new float[64 * 128], 128, 64)),
                "tensor 'model.decoder.layers.0.fc1.weight' has shape [128, 64] but the config expects (256, 64)");
    }

    @Test
    void untiedLmHeadIsRefused() throws IOException {
        assertLoadRefused(sd -> sd.put("lm_head.weight", HostTensor.ofFloats(new float[10 * 64], 10, 64)),
                "'lm_head.weight' has shape [10, 64]");
    }

    /** Case A's weights, changed by {@code edit}, are refused with a message that holds {@code expected}. */
    private static void assertLoadRefused(Consumer<Map<String, HostTensor>> edit, String expected) throws IOException {
        HfFixture fx = HfFixture.load(HfFixture.CASE_A);
        Map<String, HostTensor> sd = new LinkedHashMap<>(fx.weights());
        edit.accept(sd);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new OptForCausalLM((OptConfig) fx.config()).loadStateDict(sd, null, DataType.FLOAT32));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void seededInitIsReproducibleAndFollowsHfInitWeights() {
        OptConfig tiny = (OptConfig) Presets.get("tiny");
        try (NDManager manager = TestDevice.manager()) {
            Map<String, HostTensor> a = AutoModelForCausalLM.random(tiny, 7, manager, DataType.FLOAT32).stateDict();
            Map<String, HostTensor> b = AutoModelForCausalLM.random(tiny, 7, manager, DataType.FLOAT32).stateDict();
            Map<String, HostTensor> c = AutoModelForCausalLM.random(tiny, 8, manager, DataType.FLOAT32).stateDict();
            for (String k : a.keySet()) {
                assertEquals(a.get(k).data(), b.get(k).data(), k + " differs between two inits with seed 7");
            }
            assertNotEquals(a.get("model.decoder.layers.0.fc1.weight").data(), c.get("model.decoder.layers.0.fc1.weight").data());

            float[] embed = a.get("model.decoder.embed_tokens.weight").toFloats();
            int dim = tiny.hiddenSize();
            for (int j = 0; j < dim; j++) {
                assertEquals(0f, embed[tiny.padTokenId() * dim + j], "pad row is zero");
            }
            double sumSq = 0;
            for (float x : embed) {
                sumSq += x * x;
            }
            double std = Math.sqrt(sumSq / (embed.length - dim));
            assertEquals(tiny.initStd(), std, 0.02 * tiny.initStd(), "embedding std");
            for (float x : a.get("model.decoder.layers.1.final_layer_norm.weight").toFloats()) {
                assertEquals(1f, x);
            }
            for (float x : a.get("model.decoder.layers.1.self_attn.q_proj.bias").toFloats()) {
                assertEquals(0f, x);
            }
            for (float x : a.get("model.decoder.final_layer_norm.bias").toFloats()) {
                assertEquals(0f, x);
            }
        }
    }

    /**
     * DJL 0.36's own JNI has no bfloat16 and aborts the JVM converting to it: refused before. The JNI
     * `collapse native build` makes maps it: a bfloat16 model then runs, its logits near float32's.
     */
    @Test
    void bfloat16RunsOnTheSelfBuiltJniAndIsRefusedBeforeDjlsOwnAborts() {
        try (NDManager manager = TestDevice.manager()) {
            if (!JniRecord.bfloat16()) {
                var e = assertThrows(IllegalArgumentException.class,
                        () -> AutoModelForCausalLM.random(Presets.get("tiny"), 1, manager, DataType.BFLOAT16));
                assertTrue(e.getMessage().contains("needs the JNI that `collapse native build` makes"), e.getMessage());
                return;
            }
            CausalLM fp32 = AutoModelForCausalLM.random(Presets.get("tiny"), 1, manager, DataType.FLOAT32);
            CausalLM bf16 = AutoModelForCausalLM.fromStateDict(fp32.config(), fp32.stateDict(), manager, DataType.BFLOAT16);
            NDArray ids = manager.create(new long[][] {{2, 100, 200, 300, 400, 500}});
            NDArray want = fp32.forward(ids, null, null).logits(); // (1, T, V) float32
            NDArray got = bf16.forward(ids, null, null).logits(); // float32 logits from bfloat16 weights
            assertEquals(DataType.FLOAT32, got.getDataType());
            double spread = want.max().sub(want.min()).getFloat();
            double worst = want.sub(got).abs().max().getFloat();
            // bfloat16 keeps 8 significant bits (2^-8 relative per rounding): a few percent of the logits' spread.
            assertTrue(worst < 0.05 * spread, "bf16 vs fp32 logits: " + worst + " of a spread of " + spread);
            assertTrue(worst > 0, "the bfloat16 model did compute in bfloat16");
        }
    }

    @Test
    void sequencesLongerThanThePositionTableAreRefused() {
        OptConfig tiny = (OptConfig) Presets.get("tiny");
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = AutoModelForCausalLM.random(tiny, 1, manager, DataType.FLOAT32);
            NDArray ids = manager.ones(new ai.djl.ndarray.types.Shape(1, tiny.maxPositionEmbeddings() + 1), DataType.INT64);
            var e = assertThrows(IllegalArgumentException.class, () -> lm.forward(ids, null, null));
            assertTrue(e.getMessage().contains("exceeds max_position_embeddings 256"), e.getMessage());
        }
    }

    @Test
    void forwardWithoutWeightsIsRefused() {
        try (NDManager manager = TestDevice.manager()) {
            OptForCausalLM lm = new OptForCausalLM((OptConfig) Presets.get("tiny"));
            var e = assertThrows(IllegalStateException.class, () -> lm.initialize(manager, DataType.FLOAT32));
            assertTrue(e.getMessage().contains("initWeights or loadStateDict"), e.getMessage());
        }
    }

    private static HostTensor toHalf(HostTensor t) {
        try (NDManager m = TestDevice.manager()) {
            NDArray half = m.create(t.toFloats()).toType(DataType.FLOAT16, false);
            ByteBuffer bytes = half.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            return new HostTensor(HostTensor.DType.F16, t.shape(), bytes);
        }
    }
}
