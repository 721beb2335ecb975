package io.collapse.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.collapse.model.Scope;

/**
 * The machine's matmul rate on a device in one dtype, the denominator of the benches' MFU: a square
 * {@code n × n × n} product repeated for a while, counted as 2·n³ FLOPs each. float32 is timed as
 * libtorch runs it, so with TF32 where {@code TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1} turns that on.
 */
public final class MatmulRate {

    private MatmulRate() {}

    /**
     * n of the product timed when none is asked for: 1024 keeps a CPU's timing short; a GPU reaches
     * its peak only near 8192 (an H200, 2026-11-26: 125 of 788 bf16 TFLOP/s at 1024, 776 at 4096).
     */
    public static int defaultSize(Device device) {
        return device.isGpu() ? 8192 : 1024;
    }

    /** FLOP/s of repeated (n, n) × (n, n) matmuls in {@code dtype} over about {@code seconds}, after a warm-up. */
    public static double measure(Device device, int n, DataType dtype, double seconds) {
        try (NDManager manager = NDManager.newBaseManager(device)) {
            manager.getEngine().setRandomSeed(0);
            NDArray a = manager.randomUniform(-1, 1, new Shape(n, n), DataType.FLOAT32).toType(dtype, false); // (n, n)
            NDArray b = manager.randomUniform(-1, 1, new Shape(n, n), DataType.FLOAT32).toType(dtype, false); // (n, n)
            run(a, b, 2); // warm-up: first native calls, allocator, BLAS threads
            long reps = 0;
            long start = System.nanoTime();
            long elapsed;
            do {
                run(a, b, 4);
                reps += 4;
                elapsed = System.nanoTime() - start;
            } while (elapsed < seconds * 1e9);
            return 2.0 * n * n * n * reps / (elapsed / 1e9);
        }
    }

    /** {@code reps} products, then one host sync so a GPU has finished them. */
    private static void run(NDArray a, NDArray b, int reps) {
        try (Scope scope = Scope.borrowing(a, b)) {
            NDArray c = null;
            for (int i = 0; i < reps; i++) {
                c = a.matMul(b); // (n, n)
            }
            c.get(0, 0).toType(DataType.FLOAT32, false).getFloat(); // host sync
        }
    }
}
