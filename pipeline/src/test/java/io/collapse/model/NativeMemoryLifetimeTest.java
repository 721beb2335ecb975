package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.collapse.TestDevice;
import io.collapse.config.ConfigLoader;
import io.collapse.config.LmConfig;
import io.collapse.config.OptConfig;
import io.collapse.model.LmLoss;
import io.collapse.model.auto.AutoModelForCausalLM;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Everything the autograd graph keeps between forward and backward must be memory torch owns. On
 * the CPU DJL's {@code NDManager.create(...)} (and every {@code op(Number)}, which creates its
 * scalar that way) wraps a Java direct buffer without copying; once its NDArray is closed the
 * garbage collector may free that buffer while the graph still reads it. Here the collector runs
 * and freed native memory is refilled with NaN between forward and backward: the gradients must
 * not change.
 */
class NativeMemoryLifetimeTest {

    /** Every forward path: pre-/post-LN, project_in/out, each activation, LayerNorm without affine. */
    @ParameterizedTest
    @CsvSource({"true, 32, relu, true", "false, 16, gelu_new, true", "true, 32, silu, false", "true, 32, gelu, true"})
    void gradientsDoNotDependOnTheGarbageCollector(boolean preLn, int projDim, String activation, boolean affine)
            throws InterruptedException {
        TestDevice.assumeCpu("only CPU arrays wrap Java direct buffers; a GPU array is always a copy torch owns");
        OptConfig config = (OptConfig) LmConfig.of(ConfigLoader.fields("model_type", "opt", "vocab_size", 5000,
                "hidden_size", 32, "num_hidden_layers", 2, "ffn_dim", 64, "num_attention_heads", 4,
                "max_position_embeddings", 64, "do_layer_norm_before", preLn, "word_embed_proj_dim", projDim,
                "activation_function", activation, "layer_norm_elementwise_affine", affine, "dropout", 0.0));
        Map<String, float[]> quiet = gradients(config, false);
        Map<String, float[]> disturbed = gradients(config, true);
        for (String name : quiet.keySet()) {
            assertArrayEquals(quiet.get(name), disturbed.get(name), 0f, name);
        }
    }

    private static Map<String, float[]> gradients(OptConfig config, boolean collectBetween) throws InterruptedException {
        Map<String, float[]> out = new LinkedHashMap<>();
        List<ByteBuffer> filler = new ArrayList<>();
        try (NDManager root = TestDevice.manager()) {
            CausalLM lm = AutoModelForCausalLM.random(config, 5, root, DataType.FLOAT32);
            try (NDManager step = root.newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray ids = step.arange(0, 64, 1, DataType.INT64).mul(37).mod(61).reshape(new Shape(4, 16)); // (B, T)
                NDArray logits = lm.forward(new ParameterStore(step, false), ids, null, null, true, false).logits(); // (B, T, V)
                NDArray loss = LmLoss.nllSum(logits, ids).div(Tensors.scalar(logits, 60)); // ()
                if (collectBetween) {
                    NativeMemoryPressure.collectAndPoison(filler);
                }
                gc.backward(loss);
            }
            for (Map.Entry<String, Parameter> e : StateDict.parameters(lm).entrySet()) {
                NDArray param = e.getValue().getArray();
                out.put(e.getKey(), param.getGradient().toFloatArray());
            }
        }
        filler.clear();
        return out;
    }
}
