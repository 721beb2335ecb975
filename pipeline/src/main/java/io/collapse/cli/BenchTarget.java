package io.collapse.cli;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import io.collapse.config.DeviceConfig;
import io.collapse.model.Devices;
import java.util.Map;
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

    /** The rates of a measurement's JSON line: the model's FLOP rate, the peak matmul rate, their ratio (MFU), and where. */
    void putRates(Map<String, Object> line, double modelFlopsPerS, double matmulFlops, Device device) {
        line.put("model_gflops_per_s", BenchCommand.round(modelFlopsPerS / 1e9, 2));
        line.put("matmul_size", matmulSize);
        line.put("matmul_gflops_per_s", BenchCommand.round(matmulFlops / 1e9, 2));
        line.put("mfu", BenchCommand.round(modelFlopsPerS / matmulFlops, 4));
        line.put("device", device.toString());
        line.put("torch_threads", JniUtils.getNumThreads());
    }
}
