package io.collapse.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.collapse.config.DeviceConfig;
import java.util.ArrayList;
import java.util.List;

/** Turns a config's device request into DJL devices, failing at start when it cannot be met. */
public final class Devices {

    /** libtorch's switch (read by it, "1" or "0") that lets cuBLAS run float32 matmuls as TF32 on a GPU. */
    public static final String TF32_OVERRIDE = "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE";

    private Devices() {}

    /** Whether float32 matmuls on {@code device} run as TF32 in this process (libtorch reads the switch from the environment). */
    public static boolean tf32(Device device) {
        return device.isGpu() && "1".equals(System.getenv(TF32_OVERRIDE));
    }

    /** The device that holds the model: the only one, or the first of a data-parallel list. */
    public static Device resolve(DeviceConfig cfg) {
        return resolveAll(cfg).get(0);
    }

    /**
     * Every device training runs on, the first holding the model that evaluates and generates.
     * One device unless {@code device.devices} or {@code device.device=gpus} asks for several.
     */
    public static List<Device> resolveAll(DeviceConfig cfg) {
        int gpus = gpuCount();
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

    /**
     * The CUDA devices libtorch can use. DJL counts them through the CUDA runtime that JNA finds on
     * the library path, which a pip torch's own copy (under site-packages/nvidia) is not on; so on a
     * CUDA build of libtorch that DJL finds none for, torch is asked: as many devices as take a tensor.
     */
    public static int gpuCount() {
        if (gpuCount == null) {
            Engine engine = Engine.getEngine("PyTorch");
            int n = engine.getGpuCount();
            if (n == 0 && engine.hasCapability(StandardCapabilities.CUDA)) {
                while (n < MAX_PROBED && takesATensor(n)) {
                    n++;
                }
            }
            gpuCount = n;
        }
        return gpuCount;
    }

    /** Counted once: the probe opens a CUDA context on every device it tries. */
    private static volatile Integer gpuCount;

    private static final int MAX_PROBED = 64;

    private static boolean takesATensor(int id) {
        try (NDManager probe = NDManager.newBaseManager(Device.gpu(id))) {
            probe.zeros(new Shape(1));
            return true;
        } catch (RuntimeException e) {
            return false; // torch: invalid device ordinal
        }
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
