package io.collapse.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RatesTest {

    @Test
    void mfuIsTheModelsFlopRateOverTheMatmuls() {
        assertEquals(0.25, new Rates(3e9, 64, DataType.FLOAT32, 12e9, Device.cpu()).mfu(), 1e-15);
    }

    @Test
    void putsTheRatesInOrderRoundedAsPrinted() {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("tokens_per_s", 1.0);
        new Rates(1.23456e9, 128, DataType.BFLOAT16, 9.87654e9, Device.cpu()).putTo(line);
        assertEquals(List.of("tokens_per_s", "model_gflops_per_s", "matmul_size", "matmul_dtype", "matmul_gflops_per_s", "mfu", "device",
                "torch_threads"), List.copyOf(line.keySet()));
        assertEquals(1.23, line.get("model_gflops_per_s"));
        assertEquals(128, line.get("matmul_size"));
        assertEquals("bfloat16", line.get("matmul_dtype"));
        assertEquals(9.88, line.get("matmul_gflops_per_s"));
        assertEquals(0.125, line.get("mfu")); // 0.124999…, to 4 decimals
        assertEquals("cpu()", line.get("device"));
    }

    @Test
    void roundsHalfUp() {
        assertEquals(0.13, Rates.round(0.125, 2));
        assertEquals(2.3, Rates.round(2.25, 1));
        assertEquals(-1.0, Rates.round(-1.04, 1));
    }
}
