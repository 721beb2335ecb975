package io.collapse.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.collapse.config.DeviceConfig;

/** Turns a config's device request into a DJL device, failing at start when it cannot be met. */
public final class Devices {

    private Devices() {}

    public static Device resolve(DeviceConfig cfg) {
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        String want = cfg.device();
        if (want.equals("cpu")) {
            return Device.cpu();
        }
        if (want.equals("auto")) {
            return gpus > 0 ? Device.gpu(0) : Device.cpu();
        }
        int index = want.equals("gpu") ? 0 : Integer.parseInt(want.substring(4));
        if (index < gpus) {
            return Device.gpu(index);
        }
        String why = gpus == 0
                ? "no CUDA device is visible to PyTorch (engine " + Engine.getEngine("PyTorch").getVersion()
                        + "; see `collapse info`, and README \"Running on GPUs\" for PYTORCH_LIBRARY_PATH / PYTORCH_FLAVOR)"
                : "only " + gpus + " CUDA device(s) are visible";
        if (cfg.fallbackToCpu()) {
            System.err.println("warning: device '" + want + "' asked for but " + why + "; running on the CPU (device.fallback_to_cpu)");
            return Device.cpu();
        }
        throw new IllegalStateException("device '" + want + "' asked for but " + why
                + "; set device.device=cpu or device.fallback_to_cpu=true to run on the CPU");
    }
}
