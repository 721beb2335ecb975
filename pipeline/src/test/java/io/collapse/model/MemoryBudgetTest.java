package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.collapse.config.OptConfig;
import io.collapse.config.Presets;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {

    static final OptConfig OPT_125M = (OptConfig) Presets.get("opt-125m");
    static final long GB = 1_000_000_000L;

    @Test
    void decodeCountsTwoLogitMatricesAndTheCache() {
        OptConfig tiny = (OptConfig) Presets.get("tiny");
        long logits = 2L * 100_000 * 50272 * 4; // the 100000 beams: 40.2 GB
        long cache = 2L * 2 * 100_000 * 64 * 10 * 4;
        long weights = 4 * MemoryBudget.parameters(tiny);
        assertEquals(logits + cache + weights, MemoryBudget.decode(tiny, 100_000, 10, 4).bytes());
    }

    @Test
    void thePapersSettingsFitASmallGpuAndTheDemoALaptop() {
        // configs/paper-*.json: opt-125m, corpus batch 32 × 5 beams over 64 + 64 positions, micro-batch 32 of 64 tokens.
        assertTrue(MemoryBudget.decode(OPT_125M, 32 * 5, 128, 4).bytes() < 4 * GB);
        assertTrue(MemoryBudget.train(OPT_125M, 32, 64).bytes() < 8 * GB);
        assertTrue(MemoryBudget.eval(OPT_125M, 32, 64, 4).bytes() < 4 * GB);
        // configs/demo-cpu.json: tiny, the same corpus batch and beams, micro-batch 8.
        OptConfig tiny = (OptConfig) Presets.get("tiny");
        assertTrue(MemoryBudget.decode(tiny, 32 * 5, 128, 4).bytes() < GB);
        assertTrue(MemoryBudget.train(tiny, 8, 64).bytes() < GB);
    }

    @Test
    void absurdSettingsSaturateInsteadOfWrapping() {
        assertEquals(Long.MAX_VALUE, MemoryBudget.decode(OPT_125M, Integer.MAX_VALUE, Integer.MAX_VALUE, 4).bytes());
        assertEquals(Long.MAX_VALUE, MemoryBudget.train(OPT_125M, Integer.MAX_VALUE, Integer.MAX_VALUE).bytes());
    }

    @Test
    void refusalIsOneLineWithBothNumbers() {
        MemoryBudget.Need need = new MemoryBudget.Need(40_200_000_000L, "logits and cache");
        assertEquals("generate: --num-beams 100000 with 1 prompt needs about 40.2 GB for logits and cache;"
                        + " this machine has 23.4 GB of memory (lower --num-beams)",
                MemoryBudget.refusal("generate: --num-beams 100000 with 1 prompt", need, 23_400_000_000L, Device.cpu(),
                        "--num-beams"));
        assertNull(MemoryBudget.refusal("x", need, 50 * GB, Device.gpu(0), "y"));
        assertTrue(MemoryBudget.refusal("x", need, 1, Device.gpu(0), "y").contains("gpu(0) has 0.0 GB"));
        assertNull(MemoryBudget.refusal("x", need, -1, Device.gpu(0), "y"), "unknown GPU memory: no check");
    }

    @Test
    void cpuLimitIsThePhysicalMemory() {
        assertTrue(MemoryBudget.limit(Device.cpu()) > GB / 4, "limit " + MemoryBudget.limit(Device.cpu()));
    }
}
