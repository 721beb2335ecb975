package io.collapse.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.config.ConfigLoader;
import io.collapse.config.GenerationConfig;
import io.collapse.config.Presets;
import io.collapse.config.Strategy;
import io.collapse.model.CausalLM;
import io.collapse.model.auto.AutoModelForCausalLM;
import org.junit.jupiter.api.Test;

class GeneratorTest {

    /** A manager on another device than the model's is refused by name before any array is made. */
    @Test
    void aManagerOnAnotherDeviceIsRefused() {
        try (NDManager cpu = NDManager.newBaseManager(Device.cpu());
                NDManager gpu = NDManager.newBaseManager(Device.gpu(0))) {
            CausalLM model = AutoModelForCausalLM.random(Presets.get("tiny"), 0, cpu, DataType.FLOAT32);
            GenerationConfig cfg = GenerationConfig.of(ConfigLoader.fields("strategy", Strategy.GREEDY,
                    "min_new_tokens", 2, "max_new_tokens", 2, "repetition_penalty", 1.0, "seed", 0L, "use_cache", true));
            int arrays = gpu.getManagedArrays().size();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Generator(model, cfg).generate(new int[][] {{2, 10, 11}}, null, 0, gpu));
            assertTrue(e.getMessage().contains("the manager is on gpu(0) but the model on cpu()"), e.getMessage());
            assertEquals(arrays, gpu.getManagedArrays().size(), "nothing made on the wrong device");
        }
    }
}
