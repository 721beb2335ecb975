package io.collapse.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.collapse.model.Tensors;
import java.util.Collection;

/** What the training loop does to the gradients of the parameters between backward and update. */
public final class Gradients {

    private Gradients() {}

    /**
     * torch.nn.utils.clip_grad_norm_ (L2) on the gradient arrays themselves (the float32 master
     * gradients of mixed precision or data parallelism): the norm over all of them together, and when
     * {@code maxNorm > 0} every gradient scaled in place by min(1, maxNorm / (norm + 1e-6)). The norm
     * comes back even when not clipping: the loop logs it and stops when it is not finite.
     * Temporaries join the gradients' managers, so call it inside a scope that owns them.
     */
    public static double clipGradNorm(Collection<NDArray> grads, double maxNorm) {
        if (FusedAdamW.enabledFor(grads)) {
            return FusedAdamW.clipGradNorm(grads, maxNorm);
        }
        NDList norms = new NDList(grads.size());
        for (NDArray g : grads) {
            norms.add(g.norm()); // ()
        }
        double total = NDArrays.stack(norms).norm().getFloat(); // host sync, once per step
        if (maxNorm > 0 && !grads.isEmpty()) {
            // One device scalar for all: a Java number per op is an upload that waits for the GPU's queue.
            NDArray coef = Tensors.scalar(grads.iterator().next(), Math.min(1.0, maxNorm / (total + 1e-6))); // ()
            for (NDArray g : grads) {
                g.muli(coef);
            }
        }
        return total;
    }

    /** optimizer.zero_grad(): backward adds into the gradients, so each step starts them at zero. */
    public static void zero(Collection<NDArray> params) {
        if (FusedAdamW.enabledFor(params)) {
            FusedAdamW.zeroGrads(params);
            return;
        }
        for (NDArray p : params) {
            JniUtils.zeroGrad((PtNDArray) p);
        }
    }
}
