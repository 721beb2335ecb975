package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import io.collapse.nativelib.JniRecord;
import java.util.function.BooleanSupplier;

/**
 * Attention through torch's {@code scaled_dot_product_attention} (HF's "sdpa" attention, HF 5's
 * default for OPT), by {@code -Dcollapse.attention=sdpa}: one fused kernel where the eager form
 * ({@link Attention#attend}, HF 4.35's, which the fixtures pin) makes the (B, H, T, S) scores and
 * probabilities in memory. It changes a run's bytes (float32's last bits, and training's dropout
 * masks, which SDPA draws its own way), so it is asked for, never chosen, and a run records it in
 * its platform line. With it, masks go through {@link AttentionMasks#unmaskUnattended}. DJL does
 * not expose the function; the JNI that {@code collapse native build} makes has it (torch 2.1 or
 * newer, {@code collapse_sdpa.cc}), DJL's own does not.
 */
public final class Sdpa {

    /** {@code -Dcollapse.attention=eager|sdpa}, eager where unset. */
    public static final String PROPERTY = "collapse.attention";

    private static volatile Boolean on;

    private Sdpa() {}

    /**
     * Whether attention runs through SDPA in this process, decided at the first call (after the
     * engine has loaded); an unknown value, or sdpa without a JNI that has it, fails at every call.
     */
    public static boolean on() {
        Boolean decided = on;
        if (decided == null) {
            decided = decide(System.getProperty(PROPERTY, "eager"), JniRecord::sdpa);
            on = decided;
        }
        return decided;
    }

    /** "sdpa" or "eager", as the benchmarks print it. */
    public static String form() {
        return on() ? "sdpa" : "eager";
    }

    /** Tests run both forms in one process: true or false, or null to decide from the property again. */
    static void override(Boolean value) {
        on = value;
    }

    static boolean decide(String asked, BooleanSupplier jniHasIt) {
        return switch (asked) {
            case "eager" -> false;
            case "sdpa" -> {
                if (!jniHasIt.getAsBoolean()) {
                    throw new IllegalStateException("-D" + PROPERTY + "=sdpa: the loaded JNI lacks it; build one with"
                            + " `collapse native build` (torch 2.1 or newer) and export the line it prints");
                }
                yield true;
            }
            default -> throw new IllegalArgumentException("-D" + PROPERTY + ": expected eager or sdpa, got '" + asked + "'");
        };
    }

    /**
     * softmax(q·kᵀ + mask)·v, dropout on the probabilities, in one native call.
     *
     * @param q (B, H, T, D), already scaled (the kernel's own scale is 1)
     * @param k (B, H, S, D)
     * @param v (B, H, S, D)
     * @param mask (B, 1, T, S) additive, in q's dtype
     * @param dropout 0 outside training
     * @return (B, H, T, D) in q's manager
     */
    static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask, float dropout) {
        long out = attend(handle(q), handle(k), handle(v), handle(mask), dropout);
        return new PtNDArray((PtNDManager) q.getManager(), out);
    }

    private static long handle(NDArray a) {
        return ((PtNDArray) a).getHandle();
    }

    private static native long attend(long q, long k, long v, long mask, double dropout);
}
