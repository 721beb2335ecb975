package io.collapse.cli;

import ai.djl.Device;
import io.collapse.bench.MatmulRate;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What the speed benchmarks share (a {@code @Mixin}): where they run and how the peak matmul rate is timed. */
final class BenchTarget {

    /** The longest a benchmark option may ask to time for: a typo of 1e9 seconds would never end. */
    static final double MAX_SECONDS = 3600;

    /** Three float32 matrices of this n take 12.9 GB: past any GPU's peak, short of a typo's terabytes. */
    private static final int MAX_MATMUL_SIZE = 32_768;

    /** On a CPU one matmul of 32768 takes a quarter of an hour, whatever --seconds says; 8192 takes seconds. */
    private static final int MAX_CPU_MATMUL_SIZE = 8_192;

    @Option(names = "--matmul-size",
            description = "n of the n×n×n matmul timed for the peak rate, in the dtype the model computes in"
                    + " (default: 1024 on the CPU, 8192 on a GPU, which reaches its peak only there).")
    Integer matmulSize;

    @Mixin DeviceOption device;

    /** The matmul's n on {@code on}: the one asked for, else {@link MatmulRate#defaultSize}. */
    int matmulSize(Device on) {
        int max = on.isGpu() ? MAX_MATMUL_SIZE : MAX_CPU_MATMUL_SIZE;
        if (matmulSize != null && (matmulSize < 1 || matmulSize > max)) {
            throw new IllegalArgumentException("--matmul-size: expected 1.." + max + (on.isGpu() ? "" : " on the CPU")
                    + ", got " + matmulSize);
        }
        return matmulSize != null ? matmulSize : MatmulRate.defaultSize(on);
    }
}
