package io.collapse.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import io.collapse.nativelib.JniRecord;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AdamW's update of every parameter in one native call: torch's multi-tensor kernel
 * ({@code torch._fused_adamw_}, what {@code torch.optim.AdamW(fused=True)} runs), through the
 * function {@code collapse native build} compiles into the JNI beside DJL's; with it, the rest of a
 * step's optimizer work, the gradient norm and clipping ({@link Gradients#clipGradNorm}) and
 * zero_grad ({@link Gradients#zero}), in one call each through torch's foreach kernels. On a GPU the per-tensor
 * form's ~15 JNI calls and kernel launches per parameter tensor cost more than the arithmetic (an
 * H200 spent a fixed ~30 ms of each OPT-125m step there, 2026-11-26). DJL's own JNI lacks the
 * function; there, on a CPU under torch 2.0–2.3 (whose fused kernel is CUDA's only; the CPU one came
 * in 2.4), and with {@code -Dcollapse.adamw=per-tensor}, AdamW runs per tensor.
 */
final class FusedAdamW {

    /** {@code -Dcollapse.adamw=per-tensor} keeps the per-tensor form on a JNI that has the fused one (to compare them). */
    static final String PROPERTY = "collapse.adamw";

    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");

    private FusedAdamW() {}

    /** Whether the loaded JNI has the fused form and {@code -Dcollapse.adamw} does not keep it off. */
    static boolean allowed() {
        String asked = System.getProperty(PROPERTY, "auto");
        if (!asked.equals("auto") && !asked.equals("per-tensor")) {
            throw new IllegalArgumentException("-D" + PROPERTY + ": expected auto or per-tensor, got '" + asked + "'");
        }
        return asked.equals("auto") && JniRecord.fusedAdamW();
    }

    /** Whether the fused forms run for arrays on {@code device} in this process: allowed, and a kernel for it. */
    static boolean on(Device device) {
        return allowed() && (device.isGpu() || CpuKernel.PRESENT);
    }

    /** Whether this process's libtorch has the CPU kernel, read once (a training step asks several times). */
    private static final class CpuKernel {
        static final boolean PRESENT = hasCpuKernel(Engine.getEngine("PyTorch").getVersion());
    }

    /** torch 2.4 added the CPU kernel of {@code _fused_adamw_}; 2.0–2.3 have CUDA's only. */
    static boolean hasCpuKernel(String torchVersion) {
        Matcher v = VERSION.matcher(torchVersion);
        if (!v.find()) {
            return false; // not a version we can read: the per-tensor form, which every torch has
        }
        int major = Integer.parseInt(v.group(1));
        return major > 2 || (major == 2 && Integer.parseInt(v.group(2)) >= 4);
    }

    /**
     * One step over all parameters; {@code step} is the count after it (torch's {@code state['step']}).
     * The lists are parallel: each parameter, its float32 gradient and both moments, all on one device.
     */
    static void step(List<NDArray> params, List<NDArray> grads, List<NDArray> expAvgs, List<NDArray> expAvgSqs,
            long step, double lr, double beta1, double beta2, double weightDecay, double eps) {
        step(handles(params), handles(grads), handles(expAvgs), handles(expAvgSqs), step, lr, beta1, beta2,
                weightDecay, eps);
    }

    /** {@link #on} for a collection's device (the first array's; all are on one device). */
    static boolean enabledFor(Collection<NDArray> arrays) {
        return !arrays.isEmpty() && on(arrays.iterator().next().getDevice());
    }

    /** {@link Gradients#clipGradNorm} in one call: torch's foreach norm and scaling; the norm as float32. */
    static double clipGradNorm(Collection<NDArray> grads, double maxNorm) {
        return clipGradNorm(handles(grads), maxNorm);
    }

    /** {@link Gradients#zero} in one call: every defined gradient of {@code params} set to zero. */
    static void zeroGrads(Collection<NDArray> params) {
        zeroGrads(handles(params));
    }

    private static long[] handles(Collection<NDArray> arrays) {
        return arrays.stream().mapToLong(a -> ((PtNDArray) a).getHandle()).toArray();
    }

    private static native void step(long[] params, long[] grads, long[] expAvgs, long[] expAvgSqs, long step,
            double lr, double beta1, double beta2, double weightDecay, double eps);

    private static native float clipGradNorm(long[] grads, double maxNorm);

    private static native void zeroGrads(long[] params);
}
