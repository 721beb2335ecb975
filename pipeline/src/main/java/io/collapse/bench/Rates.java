package io.collapse.bench;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import io.collapse.model.Devices;
import java.util.Map;

/**
 * The rates that close a measurement's JSON line: the model's FLOP rate, the peak matmul rate (see
 * {@link MatmulRate}) of an {@code n × n × n} product in the dtype the model computes in, their
 * ratio (MFU), and where.
 */
public record Rates(double modelFlopsPerS, int matmulSize, DataType matmulDtype, double matmulFlopsPerS, Device device) {

    /** Model FLOP utilisation: the model's FLOP rate over the measured matmul rate. */
    public double mfu() {
        return modelFlopsPerS / matmulFlopsPerS;
    }

    /** Adds the rates to {@code line} as printed: GFLOP/s to 0.01, the MFU to 1e-4, and libtorch's thread count. */
    void putTo(Map<String, Object> line) {
        line.put("model_gflops_per_s", round(modelFlopsPerS / 1e9, 2));
        line.put("matmul_size", matmulSize);
        boolean tf32 = matmulDtype == DataType.FLOAT32 && Devices.tf32(device);
        line.put("matmul_dtype", tf32 ? "tf32" : matmulDtype.toString());
        line.put("matmul_gflops_per_s", round(matmulFlopsPerS / 1e9, 2));
        line.put("mfu", round(mfu(), 4));
        putWhere(line, device);
    }

    /** Where a benchmark ran, last in every line: the device and libtorch's thread count. */
    static void putWhere(Map<String, Object> line, Device device) {
        line.put("device", device.toString());
        line.put("torch_threads", JniUtils.getNumThreads());
    }

    /** {@code x} rounded to {@code digits} decimals, for the JSON lines. */
    static double round(double x, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(x * scale) / scale;
    }
}
