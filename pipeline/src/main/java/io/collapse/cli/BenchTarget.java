package io.collapse.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What the speed benchmarks share (a {@code @Mixin}): where they run and how the peak matmul rate is timed. */
final class BenchTarget {

    @Option(names = "--matmul-size", defaultValue = "1024",
            description = "n of the n×n×n float32 matmul timed for the peak rate (default: ${DEFAULT-VALUE}).")
    int matmulSize;

    @Mixin DeviceOption device;
}
