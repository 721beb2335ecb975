package io.collapse.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.collapse.model.CausalLM;
import io.collapse.model.Scope;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HostTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The copies of the model that run forward and backward, one per training device. With float32
 * compute the first is the model itself (the master weights the optimizer updates); with mixed
 * precision every worker is a float16/bfloat16 copy and the model only holds the float32 master.
 * Copies live in their own scopes under the run's root, on their devices; their weights follow the
 * master after every applied step.
 */
final class Workers implements AutoCloseable {

    /**
     * One copy.
     *
     * @param device where its forward and backward run
     * @param owned the scope of a copy made here (closed with this), or null for the caller's model
     */
    record Worker(CausalLM model, Map<String, NDArray> params, Device device, ParameterStore ps, Scope owned) {}

    private final List<Worker> list;
    private final Map<String, NDArray> master;
    private final Scope root;

    private Workers(List<Worker> list, Map<String, NDArray> master, Scope root) {
        this.list = list;
        this.master = master;
        this.root = root;
    }

    /**
     * A worker per device in {@code computeType}; the model itself is the first when that is float32.
     *
     * @param master the model's trainable parameters, which the optimizer updates
     * @param root the run's scope: the copies' scopes and every micro-batch's are made under it
     */
    static Workers of(CausalLM model, Map<String, NDArray> master, Scope root, ParameterStore ps,
            List<Device> devices, DataType computeType) {
        List<Worker> list = new ArrayList<>();
        Map<String, HostTensor> weights = null;
        for (int i = 0; i < devices.size(); i++) {
            if (i == 0 && computeType == DataType.FLOAT32) {
                list.add(new Worker(model, master, devices.get(0), ps, null));
                continue;
            }
            weights = weights == null ? model.stateDict() : weights;
            Scope scope = root.child(devices.get(i));
            try {
                CausalLM copy = AutoModelForCausalLM.fromStateDict(model.config(), weights, scope.manager(), computeType);
                list.add(new Worker(copy, FineTune.trainableParameters(copy), devices.get(i),
                        new ParameterStore(scope.manager(), false), scope));
            } catch (RuntimeException e) {
                scope.close();
                new Workers(list, master, root).close();
                throw e;
            }
        }
        return new Workers(List.copyOf(list), master, root);
    }

    /** The master weights: the model's trainable parameters. */
    Map<String, NDArray> master() {
        return master;
    }

    /** A scope for one micro-batch's forward and backward: under the run's root, closed after backward. */
    Scope microBatchScope() {
        return root.child();
    }

    int size() {
        return list.size();
    }

    Worker get(int i) {
        return list.get(i);
    }

    /**
     * A scope that borrows every parameter, the master's and the copies': the gradients read while
     * it is open, and everything made from them, close with it.
     */
    Scope borrowParameters() {
        Scope scope = Scope.borrowing(master.values());
        for (Worker w : list) {
            if (w.owned() != null) {
                scope.borrow(w.params().values().toArray(new NDArray[0]));
            }
        }
        return scope;
    }

    /**
     * The float32 gradient of every master parameter: the sum over the workers that ran this step
     * of their gradients, cast to float32, moved to the master's device, times {@code invScale}.
     * With the model as the only worker these are its own gradient arrays, untouched. Call it in
     * {@link #borrowParameters}' scope, which then holds all it makes.
     */
    Map<String, NDArray> masterGradients(double invScale, boolean[] ran) {
        Device masterDevice = list.get(0).device();
        Map<String, NDArray> grads = new LinkedHashMap<>();
        for (String name : master.keySet()) {
            NDArray sum = null;
            for (int w = 0; w < list.size(); w++) {
                if (!ran[w]) {
                    continue;
                }
                NDArray g = list.get(w).params().get(name).getGradient(); // joins the scope
                g = g.toType(DataType.FLOAT32, false).toDevice(masterDevice, false);
                sum = sum == null ? g : sum.addi(g);
            }
            if (invScale != 1) {
                sum.muli(invScale); // exact: the scale is a power of two
            }
            grads.put(name, sum);
        }
        return grads;
    }

    /** optimizer.zero_grad() on every worker that ran this step (the others have no gradient yet). */
    void zeroGradients(boolean[] ran) {
        for (int w = 0; w < list.size(); w++) {
            if (ran[w]) {
                Gradients.zero(list.get(w).params().values());
            }
        }
    }

    /** Copies the updated master weights into every copy, in place, cast and moved; in {@link #borrowParameters}' scope. */
    void copyWeights() {
        NDIndex all = new NDIndex("...");
        for (Worker w : list) {
            if (w.owned() == null) {
                continue;
            }
            for (Map.Entry<String, NDArray> e : w.params().entrySet()) {
                NDArray dst = e.getValue();
                NDArray src = master.get(e.getKey());
                dst.set(all, src.toType(dst.getDataType(), false).toDevice(dst.getDevice(), false));
            }
        }
    }

    @Override
    public void close() {
        for (Worker w : list) {
            if (w.owned() != null) {
                w.owned().close();
            }
        }
    }
}
