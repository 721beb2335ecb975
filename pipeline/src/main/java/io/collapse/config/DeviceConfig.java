package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Where tensors live.
 *
 * @param device {@code cpu}, {@code gpu} (the first CUDA device), {@code gpu:N}, or {@code auto}
 *     (a GPU when one is visible, else the CPU)
 * @param fallbackToCpu when a GPU is asked for and none is visible: run on the CPU with a warning
 *     instead of failing at start
 */
public record DeviceConfig(
        @JsonProperty("device") String device,
        @JsonProperty("fallback_to_cpu") boolean fallbackToCpu) {

    public static final DeviceConfig DEFAULT = new DeviceConfig("auto", false);

    public DeviceConfig {
        device = device == null ? "auto" : device;
        if (!device.matches("cpu|auto|gpu|gpu:\\d+")) {
            throw new IllegalArgumentException("device.device must be one of cpu, gpu, gpu:N, auto; got '" + device + "'");
        }
    }
}
