package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * HF's {@code nn.Embedding}: a {@code weight} (rows, dim) looked up by int64 ids; (...) → (..., dim).
 * With a padding index, as torch's {@code padding_idx}, the lookup of that row passes no gradient
 * back to it (OPT's tied LM head still does).
 */
public final class Embedding extends HfBlock {

    private final Integer paddingIdx; // or null
    private final Parameter weight; // (rows, dim)

    public Embedding(long rows, long dim, Integer paddingIdx) {
        this.paddingIdx = paddingIdx;
        this.weight = hfParameter("weight", Parameter.Type.WEIGHT, new Shape(rows, dim));
    }

    /** torch's {@code padding_idx}, or null. */
    public Integer paddingIdx() {
        return paddingIdx;
    }

    /** The (rows, dim) weight as a parameter: its shape before any value is set, its identity among the model's. */
    public Parameter weightParameter() {
        return weight;
    }

    public NDArray weight(ParameterStore ps, ai.djl.Device device, boolean training) {
        return ps.getValue(weight, device, training);
    }

    public NDArray forward(ParameterStore ps, NDArray ids, boolean training) {
        NDArray w = ps.getValue(weight, ids.getDevice(), training);
        NDArray out = ai.djl.nn.core.Embedding.embedding(ids, w, SparseFormat.DENSE).head(); // (..., dim)
        if (training && paddingIdx != null) {
            // DJL's embedding has no padding_idx: pad positions take the detached value (exact: x·1 + y·0).
            NDArray isPad = ids.eq(Tensors.scalar(ids, paddingIdx)).expandDims(-1).toType(out.getDataType(), false); // (..., 1)
            out = out.mul(isPad.neg().add(Tensors.scalar(isPad, 1))).add(out.stopGradient().mul(isPad));
        }
        return out;
    }
}
