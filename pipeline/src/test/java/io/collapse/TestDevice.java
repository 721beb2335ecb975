package io.collapse;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.collapse.model.Devices;
import org.junit.jupiter.api.Assumptions;

/**
 * The one device the model, training, evaluation and decoding tests run on: {@code
 * -Dcollapse.test.device=cpu|gpu} ({@code mvn -Dcollapse.test.device=gpu verify}), cpu by default.
 * Tests make their managers here rather than with {@code NDManager.newBaseManager()}, whose default
 * device is the GPU wherever one is visible: the setting, not the machine, picks the device.
 *
 * <p>float32 tolerances are the same on both devices: PyTorch keeps TF32 off for float32 matmuls by
 * default, so a GPU differs from the CPU by summation order only (~1e-6 relative), well inside the
 * 1e-4/1e-5 bounds. Where a test's bound does differ (repeat runs, mixed precision), the assertion
 * says why; tests that only make sense on the CPU call {@link #assumeCpu}.
 */
public final class TestDevice {

    public static final String PROPERTY = "collapse.test.device";

    private TestDevice() {}

    /** {@code cpu} or {@code gpu}, as configs spell it ({@code device.device}, {@code --device}). */
    public static String name() {
        String name = System.getProperty(PROPERTY, "cpu").trim();
        if (!name.equals("cpu") && !name.equals("gpu")) {
            throw new IllegalStateException("error: -D" + PROPERTY + "=" + name + ": expected cpu or gpu");
        }
        return name;
    }

    public static boolean isGpu() {
        return name().equals("gpu");
    }

    /** The device; asking for a GPU where libtorch sees none fails rather than silently testing the CPU. */
    public static Device device() {
        if (!isGpu()) {
            return Device.cpu();
        }
        if (Devices.gpuCount() == 0) {
            throw new IllegalStateException("error: -D" + PROPERTY + "=gpu but libtorch "
                    + Engine.getInstance().getVersion() + " sees no CUDA device (a CPU libtorch? see ./collapse info)");
        }
        return Device.gpu(0);
    }

    /** A base manager on the test device. */
    public static NDManager manager() {
        return NDManager.newBaseManager(device());
    }

    /** For a test that only means something on the CPU; {@code reason} says why. */
    public static void assumeCpu(String reason) {
        Assumptions.assumeFalse(isGpu(), "CPU-only test: " + reason);
    }

    /**
     * A tolerance that differs by device: {@code cpu} where the test runs on the CPU, {@code gpu}
     * on a GPU. The call site says why the two differ.
     */
    public static double tolerance(double cpu, double gpu) {
        return isGpu() ? gpu : cpu;
    }
}
