package io.collapse.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.collapse.model.CausalLM;
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
 * Copies live in their own managers on their devices; their weights follow the master after
 * every applied step.
 */
final class Workers implements AutoCloseable {

    /**
     * One copy.
     *
     * @param root parent of the per-micro-batch scopes, on the worker's device
     * @param owned a copy made here (closed with this), not the caller's model
     */
    record Worker(CausalLM model, Map<String, NDArray> params, NDManager root, ParameterStore ps, boolean owned) {}

    private final List<Worker> list;
    private final Device masterDevice;

    private Workers(List<Worker> list, Device masterDevice) {
        this.list = list;
        this.masterDevice = masterDevice;
    }

    /** A worker per device in {@code computeType}; the model itself is the first when that is float32. */
    static Workers of(CausalLM model, Map<String, NDArray> params, NDManager root, ParameterStore ps,
            List<Device> devices, DataType computeType) {
        List<Worker> list = new ArrayList<>();
        Map<String, HostTensor> weights = null;
        for (int i = 0; i < devices.size(); i++) {
            if (i == 0 && computeType == DataType.FLOAT32) {
                list.add(new Worker(model, params, root, ps, false));
                continue;
            }
            weights = weights == null ? model.stateDict() : weights;
            NDManager m = NDManager.newBaseManager(devices.get(i));
            try {
                CausalLM copy = AutoModelForCausalLM.fromStateDict(model.config(), weights, m, computeType);
                list.add(new Worker(copy, FineTune.trainableParameters(copy), m, new ParameterStore(m, false), true));
            } catch (RuntimeException e) {
                m.close();
                new Workers(list, devices.get(0)).close();
                throw e;
            }
        }
        return new Workers(List.copyOf(list), devices.get(0));
    }

    int size() {
        return list.size();
    }

    Worker get(int i) {
        return list.get(i);
    }

    /**
     * The float32 gradient of every master parameter: the sum over the workers that ran this step
     * of their gradients, cast to float32, moved to the master's device, times {@code invScale}.
     * With the model as the only worker these are its own gradient arrays, untouched. Everything
     * made here, and the parameters themselves, are attached to {@code scope} until it closes.
     */
    Map<String, NDArray> masterGradients(Map<String, NDArray> master, NDManager scope, double invScale, boolean[] ran) {
        scope.tempAttachAll(master.values().toArray(new NDArray[0]));
        for (Worker w : list) {
            if (w.owned()) {
                scope.tempAttachAll(w.params().values().toArray(new NDArray[0]));
            }
        }
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

    /**
     * Copies the updated master weights into every copy, in place, cast and moved; in the scope
     * {@link #masterGradients} attached everything to.
     */
    void copyWeights(Map<String, NDArray> master) {
        NDIndex all = new NDIndex("...");
        for (Worker w : list) {
            if (!w.owned()) {
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
            if (w.owned()) {
                w.root().close();
            }
        }
    }
}
