package io.collapse.model.opt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import io.collapse.config.Activation;
import io.collapse.config.OptConfig;
import io.collapse.model.Activations;
import io.collapse.model.HfBlock;
import io.collapse.model.LayerNorm;
import io.collapse.model.Linear;

/**
 * HF's {@code OPTDecoderLayer}: self-attention and a ReLU (by default) MLP, each with a residual.
 * Pre-LN (opt-125m, 1.3b and larger) normalises before each sub-block; post-LN (opt-350m) after the
 * residual. Dropout (config.dropout) acts on each sub-block's output while training only.
 */
public final class OptDecoderLayer extends HfBlock {

    private final boolean normBefore;
    private final float dropout;
    private final Activation activation;
    private final OptAttention selfAttn;
    private final LayerNorm selfAttnLayerNorm;
    private final Linear fc1;
    private final Linear fc2;
    private final LayerNorm finalLayerNorm;

    public OptDecoderLayer(OptConfig config) {
        int c = config.hiddenSize();
        this.normBefore = config.doLayerNormBefore();
        this.dropout = config.dropout().floatValue();
        this.activation = config.activation();
        this.selfAttn = addChildBlock("self_attn", new OptAttention(config));
        this.selfAttnLayerNorm = addChildBlock("self_attn_layer_norm", new LayerNorm(c, config.layerNormElementwiseAffine()));
        this.fc1 = addChildBlock("fc1", new Linear(c, config.ffnDim(), config.enableBias()));
        this.fc2 = addChildBlock("fc2", new Linear(config.ffnDim(), c, config.enableBias()));
        this.finalLayerNorm = addChildBlock("final_layer_norm", new LayerNorm(c, config.layerNormElementwiseAffine()));
    }

    /**
     * @param hidden (B, T, C)
     * @param attnMask (B, 1, T, S) additive
     * @return hidden (B, T, C), key and value (B, H, S, D) for the cache
     */
    NDList forward(ParameterStore ps, NDArray hidden, NDArray attnMask, NDArray pastKey, NDArray pastValue,
            boolean training) {
        NDArray residual = hidden;
        NDArray h = normBefore ? selfAttnLayerNorm.forward(ps, hidden, training) : hidden;
        NDList attn = selfAttn.forward(ps, h, attnMask, pastKey, pastValue, training);
        h = residual.add(dropout(attn.get(0), dropout, training)); // (B, T, C)
        if (!normBefore) {
            h = selfAttnLayerNorm.forward(ps, h, training);
        }

        residual = h;
        NDArray f = normBefore ? finalLayerNorm.forward(ps, h, training) : h;
        f = Activations.apply(activation, fc1.forward(ps, f, training)); // (B, T, F)
        f = fc2.forward(ps, f, training); // (B, T, C)
        h = residual.add(dropout(f, dropout, training));
        if (!normBefore) {
            h = finalLayerNorm.forward(ps, h, training);
        }
        return new NDList(h, attn.get(1), attn.get(2));
    }
}
