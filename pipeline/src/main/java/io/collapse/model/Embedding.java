package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** HF's {@code nn.Embedding}: a {@code weight} (rows, dim) looked up by int64 ids; (...) → (..., dim). */
public final class Embedding extends HfBlock {

    private final long rows;
    private final long dim;
    private final Parameter weight; // (rows, dim)

    public Embedding(long rows, long dim) {
        this.rows = rows;
        this.dim = dim;
        this.weight = hfParameter("weight", Parameter.Type.WEIGHT, new Shape(rows, dim));
    }

    public long rows() {
        return rows;
    }

    NDArray weight(ParameterStore ps, ai.djl.Device device, boolean training) {
        return ps.getValue(weight, device, training);
    }

    NDArray forward(ParameterStore ps, NDArray ids, boolean training) {
        NDArray w = ps.getValue(weight, ids.getDevice(), training);
        return ai.djl.nn.core.Embedding.embedding(ids, w, SparseFormat.DENSE).head();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.head(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(dim)};
    }
}
