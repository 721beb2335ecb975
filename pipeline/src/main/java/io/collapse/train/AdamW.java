package io.collapse.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.collapse.config.TrainConfig;
import io.collapse.model.Scope;
import io.collapse.model.Tensors;
import io.collapse.model.hf.HostTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * torch.optim.AdamW ({@code _single_tensor_adamw}, the path torch takes on CPU), written out so
 * that its moments can be saved for resume and its arithmetic is torch's:
 * <pre>
 * t += 1
 * p *= 1 - lr * wd                       (decoupled weight decay)
 * m  = beta1 * m + (1 - beta1) * g
 * v  = beta2 * v + (1 - beta2) * g * g
 * denom = sqrt(v) / sqrt(1 - beta2^t) + eps
 * p += -(lr / (1 - beta1^t)) * m / denom
 * </pre>
 * Moments are float32 and live in this optimizer's own scope; every parameter's update runs in a
 * scope that borrows the parameter and its moments, so temporaries never reach the model's manager
 * and at most one parameter's worth of them is alive at a time.
 * Every parameter has its own step count in torch; they are always equal, so one count is kept.
 *
 * <p>Where the loaded JNI has it ({@link FusedAdamW}: one that {@code collapse native build} made),
 * the same update runs as torch's multi-tensor kernel in one call; its float32 arithmetic is torch's
 * fused AdamW, equal to the above to rounding, so a run's bytes depend on which JNI it loaded (its
 * platform line names the fused form).
 */
public final class AdamW implements AutoCloseable {

    private static final String EXP_AVG = "exp_avg.";
    private static final String EXP_AVG_SQ = "exp_avg_sq.";

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final NDManager parent;
    private Scope moments;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private long step;

    public AdamW(NDManager parent, double beta1, double beta2, double eps, double weightDecay) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.parent = parent;
        this.moments = Scope.of(parent);
    }

    /** Whether this process's AdamW steps on {@code device} run fused ({@link FusedAdamW}): a run's bytes depend on it. */
    public static boolean fused(Device device) {
        return FusedAdamW.on(device);
    }

    public static AdamW of(TrainConfig config, NDManager parent) {
        return new AdamW(parent, config.adamBeta1(), config.adamBeta2(), config.adamEpsilon(), config.weightDecay());
    }

    /** Updates every parameter in place from its gradient, with learning rate {@code lr}. */
    public void step(Map<String, NDArray> params, double lr) {
        step(params, null, lr);
    }

    /**
     * Updates every parameter in place from {@code grads} (same names, same device; null: each
     * parameter's own gradient). Mixed precision and data parallelism hand in the float32 gradients
     * they assembled for the master weights.
     */
    public void step(Map<String, NDArray> params, Map<String, NDArray> grads, double lr) {
        step++;
        if (params.isEmpty()) {
            return;
        }
        if (FusedAdamW.enabledFor(params.values())) {
            fusedStep(params, grads, lr);
            return;
        }
        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2 = 1 - Math.pow(beta2, step);
        double stepSize = lr / biasCorrection1;
        double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
        // The step's constants as device tensors, made once: a Java number in an op is uploaded per
        // call, and on a GPU each upload waits for every kernel queued before it.
        try (Scope constants = Scope.under(params.values().iterator().next())) {
            NDArray decay = Tensors.scalar(constants.manager(), 1 - lr * weightDecay);
            NDArray b1 = Tensors.scalar(constants.manager(), beta1);
            NDArray oneMinusB1 = Tensors.scalar(constants.manager(), 1 - beta1);
            NDArray b2 = Tensors.scalar(constants.manager(), beta2);
            NDArray oneMinusB2 = Tensors.scalar(constants.manager(), 1 - beta2);
            NDArray correction2Sqrt = Tensors.scalar(constants.manager(), biasCorrection2Sqrt);
            NDArray epsilon = Tensors.scalar(constants.manager(), eps);
            NDArray minusStepSize = Tensors.scalar(constants.manager(), -stepSize);
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray p = e.getValue();
                NDArray m = expAvg.computeIfAbsent(e.getKey(), k -> zerosLike(p));
                NDArray v = expAvgSq.computeIfAbsent(e.getKey(), k -> zerosLike(p));
                NDArray given = grads == null ? null : grads.get(e.getKey());
                try (Scope scope = Scope.borrowing(p, m, v, given)) {
                    NDArray g = given != null ? given : p.getGradient(); // a gradient read joins p's manager: the scope
                    if (weightDecay != 0) {
                        p.muli(decay);
                    }
                    m.muli(b1).addi(g.mul(oneMinusB1));
                    v.muli(b2).addi(g.mul(oneMinusB2).muli(g));
                    NDArray denom = v.sqrt().divi(correction2Sqrt).addi(epsilon);
                    p.addi(m.mul(minusStepSize).divi(denom));
                }
            }
        }
    }

    /** The same step for every parameter in one native call; gradient reads join a scope that closes after it. */
    private void fusedStep(Map<String, NDArray> params, Map<String, NDArray> grads, double lr) {
        List<NDArray> p = new ArrayList<>(params.values());
        List<NDArray> m = new ArrayList<>();
        List<NDArray> v = new ArrayList<>();
        try (Scope scope = Scope.borrowing(p)) {
            List<NDArray> g = new ArrayList<>();
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                m.add(expAvg.computeIfAbsent(e.getKey(), k -> zerosLike(e.getValue())));
                v.add(expAvgSq.computeIfAbsent(e.getKey(), k -> zerosLike(e.getValue())));
                NDArray given = grads == null ? null : grads.get(e.getKey());
                g.add(given != null ? given : e.getValue().getGradient()); // a gradient read joins the scope
            }
            FusedAdamW.step(p, g, m, v, step, lr, beta1, beta2, weightDecay, eps);
        }
    }

    /** Optimizer steps taken so far (torch's {@code state['step']}). */
    public long stepCount() {
        return step;
    }

    /** Both moments of every parameter seen so far, as float32 host tensors, for a resume file. */
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        expAvg.forEach((name, m) -> out.put(EXP_AVG + name, toHost(m)));
        expAvgSq.forEach((name, v) -> out.put(EXP_AVG_SQ + name, toHost(v)));
        return out;
    }

    /** Restores what {@link #state()} saved, with the step count saved beside it. */
    public void load(Map<String, HostTensor> state, long stepCount, Map<String, NDArray> params) {
        moments.close(); // the moments loaded replace any this optimizer had
        moments = Scope.of(parent);
        expAvg.clear();
        expAvgSq.clear();
        this.step = stepCount;
        if (stepCount == 0 && state.isEmpty()) {
            return; // no step applied yet (fp16 skipped them all): the moments start at the first
        }
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            String name = e.getKey();
            HostTensor m = state.get(EXP_AVG + name);
            HostTensor v = state.get(EXP_AVG_SQ + name);
            if (m == null || v == null) {
                throw new IllegalArgumentException("optimizer state lacks the moments of parameter '" + name + "'");
            }
            Shape shape = e.getValue().getShape();
            expAvg.put(name, fromHost(m, e.getValue(), shape));
            expAvgSq.put(name, fromHost(v, e.getValue(), shape));
        }
        if (state.size() != 2 * params.size()) {
            throw new IllegalArgumentException("optimizer state holds " + state.size() / 2
                    + " parameters, the model has " + params.size());
        }
    }

    @Override
    public void close() {
        moments.close();
    }

    private NDArray zerosLike(NDArray p) {
        return moments.manager().zeros(p.getShape(), DataType.FLOAT32, p.getDevice());
    }

    private NDArray fromHost(HostTensor t, NDArray like, Shape shape) {
        if (!java.util.Arrays.equals(t.shape(), shape.getShape())) {
            throw new IllegalArgumentException("optimizer moment of shape " + java.util.Arrays.toString(t.shape())
                    + " does not fit parameter of shape " + shape);
        }
        try (Scope scope = moments.child()) {
            // The host copy itself when it is on the parameter's device already, else its upload.
            return scope.keep(Tensors.of(scope.manager(), t.toFloats(), shape).toDevice(like.getDevice(), false));
        }
    }

    private static HostTensor toHost(NDArray a) {
        return HostTensor.ofFloats(Tensors.hostFloats(a), a.getShape().getShape());
    }
}
