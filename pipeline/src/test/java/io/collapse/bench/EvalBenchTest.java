package io.collapse.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.TestDevice;
import io.collapse.config.LmConfig;
import io.collapse.config.Presets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the eval bench counts; no timing is asserted. */
class EvalBenchTest {

    @Test
    void countsTheTokensOfEveryBatchInTheSpan() {
        LmConfig tiny = Presets.get("tiny");
        EvalBench.Result result = EvalBench.run(new EvalBench.Settings(tiny, 2, 8, 0.05, TestDevice.device(), 16));
        assertTrue(result.batches() >= 1, result.batches() + " batches");
        assertTrue(result.seconds() >= 0.05, "the span runs at least as long as asked: " + result.seconds());
        assertEquals(result.batches() * 2 * 8 / result.seconds(), result.tokensPerS(), 1e-9);
        assertEquals(2.0 * tiny.matmulParameters() * result.tokensPerS() / result.matmulFlopsPerS(), result.rates().mfu(),
                1e-12);
        Map<String, Object> fields = result.fields();
        assertEquals(List.of("batch", "block_size", "attention", "batches", "seconds", "tokens_per_s", "matmul_params", "flops_per_token",
                "attention_flops_per_token", "model_gflops_per_s", "matmul_size", "matmul_dtype", "matmul_gflops_per_s", "mfu", "device",
                "torch_threads"), List.copyOf(fields.keySet()));
        // 2·2·T·h per layer: 2 layers, T = 8, h = 64.
        assertEquals(4L * 2 * 8 * 64, fields.get("attention_flops_per_token"));
    }
}
