package io.collapse.train;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** When {@link FusedAdamW} has a CPU kernel (its native side: {@code io.collapse.nativelib.OwnUnitsTest}). */
class FusedAdamWTest {

    @Test
    void theCpuKernelComesWithTorch24() {
        for (String v : List.of("2.0.1", "2.3.1", "2.3.0+cpu", "2", "", "nightly")) {
            assertFalse(FusedAdamW.hasCpuKernel(v), v);
        }
        for (String v : List.of("2.4.0", "2.7.1", "2.11.0+cu130", "2.13.0", "2.5.0.dev20240601", "3.0.0")) {
            assertTrue(FusedAdamW.hasCpuKernel(v), v);
        }
    }
}
