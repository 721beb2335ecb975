package io.collapse.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.collapse.model.Scope;

/**
 * The machine's float32 matmul rate on a device, the denominator of the benches' MFU: a square
 * {@code n × n × n} product repeated for a while, counted as 2·n³ FLOPs each.
 */
public final class MatmulRate {

    private MatmulRate() {}

    /** FLOP/s of repeated (n, n) × (n, n) float32 matmuls over about {@code seconds}, after a warm-up. */
    public static double measure(Device device, int n, double seconds) {
        try (NDManager manager = NDManager.newBaseManager(device)) {
            manager.getEngine().setRandomSeed(0);
            NDArray a = manager.randomUniform(-1, 1, new Shape(n, n), DataType.FLOAT32); // (n, n)
            NDArray b = manager.randomUniform(-1, 1, new Shape(n, n), DataType.FLOAT32); // (n, n)
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
            c.get(0, 0).getFloat(); // host sync
        }
    }
}
