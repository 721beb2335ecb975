package io.collapse.cli;

import ai.djl.Device;
import io.collapse.config.DeviceConfig;
import io.collapse.model.Devices;
import picocli.CommandLine.Option;

/** What the speed benchmarks share (a {@code @Mixin}): where they run and how the peak matmul rate is timed. */
final class BenchTarget {

    @Option(names = "--matmul-size", defaultValue = "1024",
            description = "n of the n×n×n float32 matmul timed for the peak rate (default: ${DEFAULT-VALUE}).")
    int matmulSize;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "cpu|gpu|gpu:N|auto",
            description = "Where to run; auto: a GPU when one is visible, else the CPU (default: ${DEFAULT-VALUE}).")
    String deviceName;

    Device device() {
        return Devices.resolve(new DeviceConfig(deviceName, false));
    }
}
