package io.collapse.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * Where tensors live.
 *
 * @param device {@code cpu}, {@code gpu} (the first CUDA device), {@code gpu:N}, {@code auto} (a GPU
 *     when one is visible, else the CPU), or {@code gpus} (every visible GPU, data-parallel training)
 * @param fallbackToCpu when a GPU is asked for and none is visible: run on the CPU with a warning
 *     instead of failing at start
 * @param devices data-parallel training on these devices (e.g. {@code ["gpu:0", "gpu:1"]}): a model
 *     replica on each, every micro-batch split across them, gradients summed on the first, which
 *     also evaluates and generates. Empty (default): {@code device} alone. Set either this or
 *     {@code device}, not both.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DeviceConfig(
        String device,
        boolean fallbackToCpu,
        List<String> devices) {

    public static final DeviceConfig DEFAULT = new DeviceConfig("auto", false);

    /** gpu:N with N below 10000: a longer number is no device's, and would not parse as an int. */
    private static final String ONE = "cpu|gpu|gpu:\\d{1,4}";

    public DeviceConfig {
        devices = devices == null ? List.of() : List.copyOf(devices);
        if (!devices.isEmpty() && device != null && !device.equals("auto")) {
            throw new IllegalArgumentException("set device.device ('" + device + "') or device.devices (" + devices
                    + "), not both");
        }
        device = device == null ? "auto" : device;
        if (!device.matches(ONE + "|auto|gpus")) {
            throw new IllegalArgumentException("device.device must be one of cpu, gpu, gpu:N, auto; got '" + device
                    + "' (or gpus: every visible GPU, data-parallel)");
        }
        for (String d : devices) {
            if (d == null || !d.matches(ONE)) {
                throw new IllegalArgumentException("device.devices entries must be cpu, gpu or gpu:N; got '" + d + "'");
            }
        }
        if (devices.stream().distinct().count() != devices.size()) {
            throw new IllegalArgumentException("device.devices names a device twice: " + devices);
        }
    }

    /** One device, no data parallelism. */
    public DeviceConfig(String device, boolean fallbackToCpu) {
        this(device, fallbackToCpu, null);
    }
}
