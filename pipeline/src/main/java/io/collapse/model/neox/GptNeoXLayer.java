package io.collapse.model.neox;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import io.collapse.config.GptNeoXConfig;
import io.collapse.model.HfBlock;
import io.collapse.model.LayerNorm;

/**
 * HF's {@code GPTNeoXLayer}, pre-LN. Parallel residual (Pythia, NeoX-20B): {@code x + attn(ln1(x)) +
 * mlp(ln2(x))}, both sub-blocks reading the same input; sequential: {@code a = x + attn(ln1(x))},
 * then {@code a + mlp(ln2(a))}. hidden_dropout acts on each sub-block's output while training only.
 */
public final class GptNeoXLayer extends HfBlock {

    private final boolean parallelResidual;
    private final float hiddenDropout;
    private final LayerNorm inputLayernorm;
    private final LayerNorm postAttentionLayernorm;
    private final GptNeoXAttention attention;
    private final GptNeoXMLP mlp;

    public GptNeoXLayer(GptNeoXConfig config) {
        int c = config.hiddenSize();
        float eps = config.layerNormEps().floatValue();
        this.parallelResidual = config.useParallelResidual();
        this.hiddenDropout = config.hiddenDropout().floatValue();
        // Registration order is HF's __init__ order, so keys come out as named_parameters() gives them.
        this.inputLayernorm = addChildBlock("input_layernorm", new LayerNorm(c, true, eps));
        this.postAttentionLayernorm = addChildBlock("post_attention_layernorm", new LayerNorm(c, true, eps));
        this.attention = addChildBlock("attention", new GptNeoXAttention(config));
        this.mlp = addChildBlock("mlp", new GptNeoXMLP(config));
    }

    /**
     * @param hidden (B, T, C)
     * @param attnMask (B, 1, T, S) additive
     * @param rope cos and sin (B, T, R)
     * @return hidden (B, T, C), key and value (B, H, S, D) for the cache
     */
    NDList forward(ParameterStore ps, NDArray hidden, NDArray attnMask, NDList rope, NDArray pastKey,
            NDArray pastValue, boolean training) {
        NDArray normed = inputLayernorm.forward(ps, hidden, training); // (B, T, C)
        NDList attn = attention.forward(ps, normed, attnMask, rope, pastKey, pastValue, training);
        NDArray attnOut = dropout(attn.get(0), hiddenDropout, training); // (B, T, C)
        NDArray out;
        if (parallelResidual) {
            NDArray mlpIn = postAttentionLayernorm.forward(ps, hidden, training); // (B, T, C)
            NDArray mlpOut = dropout(mlp.forward(ps, mlpIn, training), hiddenDropout, training); // (B, T, C)
            out = mlpOut.add(attnOut).add(hidden); // (B, T, C), HF's order of the sums
        } else {
            NDArray a = attnOut.add(hidden); // (B, T, C)
            NDArray mlpIn = postAttentionLayernorm.forward(ps, a, training); // (B, T, C)
            NDArray mlpOut = dropout(mlp.forward(ps, mlpIn, training), hiddenDropout, training); // (B, T, C)
            out = mlpOut.add(a); // (B, T, C)
        }
        return new NDList(out, attn.get(1), attn.get(2));
    }
}
