package io.collapse.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.collapse.TestDevice;
import io.collapse.config.ConfigLoader;
import io.collapse.config.LmConfig;
import io.collapse.config.Presets;
import io.collapse.config.TrainConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the train bench runs and counts; no timing is asserted. */
class TrainBenchTest {

    @Test
    void timesExactlyTheStepsAfterTheWarmup() throws Exception {
        LmConfig tiny = Presets.get("tiny");
        TrainConfig train = ConfigLoader.fromFields("train", TrainConfig.class, Map.of(), ConfigLoader.fields("epochs", 1,
                "batch_size", 2, "learning_rate", 2e-5, "schedule", "constant"));
        TrainBench.Result result = TrainBench.run(new TrainBench.Settings(tiny, train, 8, 2, 3, TestDevice.device(), 16, 0.01));
        assertEquals(2, result.stepTokensPerS().size());
        Map<String, Object> fields = result.fields();
        assertEquals(List.of("batch", "micro_batch", "mixed_precision", "adamw", "attention", "block_size", "steps_timed", "tokens_per_s",
                "matmul_params", "train_flops_per_token", "model_gflops_per_s", "matmul_size", "matmul_dtype", "matmul_gflops_per_s", "mfu",
                "device", "torch_threads"), List.copyOf(fields.keySet()));
        assertEquals(2, fields.get("steps_timed"));
        assertEquals(6 * tiny.matmulParameters(), fields.get("train_flops_per_token"));
        assertEquals("off", fields.get("mixed_precision").toString());
        Rates rates = result.rates();
        assertEquals(6.0 * tiny.matmulParameters() * result.tokensPerS() / result.matmulFlopsPerS(), rates.mfu(), 1e-12);
    }

    @Test
    void tokensPerSecondIsTheMedianStep() {
        assertEquals(2.0, TrainBench.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(3.0, TrainBench.median(List.of(4.0, 1.0, 3.0, 2.0))); // the upper middle of an even count
        assertEquals(5.0, TrainBench.median(List.of(5.0)));
    }
}
