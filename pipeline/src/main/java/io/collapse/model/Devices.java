package io.collapse.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.collapse.config.DeviceConfig;
import java.util.ArrayList;
import java.util.List;

/** Turns a config's device request into DJL devices, failing at start when it cannot be met. */
public final class Devices {

    private Devices() {}

    /** The device that holds the model: the only one, or the first of a data-parallel list. */
    public static Device resolve(DeviceConfig cfg) {
        return resolveAll(cfg).get(0);
    }

    /**
     * Every device training runs on, the first holding the model that evaluates and generates.
     * One device unless {@code device.devices} or {@code device.device=gpus} asks for several.
     */
    public static List<Device> resolveAll(DeviceConfig cfg) {
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        if (!cfg.devices().isEmpty()) {
            List<Device> out = new ArrayList<>();
            for (String name : cfg.devices()) {
                Device d = one(name, gpus, cfg.fallbackToCpu());
                if (!out.contains(d)) { // a fallback turns every missing GPU into the one CPU
                    out.add(d);
                }
            }
            return List.copyOf(out);
        }
        if (cfg.device().equals("gpus") && gpus > 0) {
            List<Device> out = new ArrayList<>();
            for (int i = 0; i < gpus; i++) {
                out.add(Device.gpu(i));
            }
            return List.copyOf(out);
        }
        return List.of(one(cfg.device().equals("gpus") ? "gpu" : cfg.device(), gpus, cfg.fallbackToCpu()));
    }

    private static Device one(String want, int gpus, boolean fallbackToCpu) {
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
        if (fallbackToCpu) {
            System.err.println("warning: device '" + want + "' asked for but " + why + "; running on the CPU (device.fallback_to_cpu)");
            return Device.cpu();
        }
        throw new IllegalStateException("device '" + want + "' asked for but " + why
                + "; set device.device=cpu or device.fallback_to_cpu=true to run on the CPU");
    }
}
