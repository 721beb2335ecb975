package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

/**
 * HF's {@code nn.LayerNorm} over the last axis (eps 1e-5 unless given: GPT-2's layer_norm_epsilon)
 * with {@code weight}/{@code bias}; without them when the config says
 * {@code layer_norm_elementwise_affine=false}.
 */
public final class LayerNorm extends HfBlock {

    static final float EPS = 1e-5f;

    private final long size;
    private final float eps;
    private final Parameter weight; // (C) or null
    private final Parameter bias; // (C) or null

    public LayerNorm(long size, boolean affine) {
        this(size, affine, EPS);
    }

    public LayerNorm(long size, boolean affine, float eps) {
        this.size = size;
        this.eps = eps;
        this.weight = affine ? hfParameter("weight", Parameter.Type.GAMMA, new Shape(size)) : null;
        this.bias = affine ? hfParameter("bias", Parameter.Type.BETA, new Shape(size)) : null;
    }

    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        if (weight == null) {
            NDArray centred = x.sub(x.mean(new int[] {-1}, true));
            NDArray var = centred.square().mean(new int[] {-1}, true);
            return centred.div(var.add(Tensors.scalar(var, eps)).sqrt());
        }
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(size),
                ps.getValue(weight, x.getDevice(), training), ps.getValue(bias, x.getDevice(), training), eps).head();
    }
}
