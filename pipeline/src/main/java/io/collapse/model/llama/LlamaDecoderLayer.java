package io.collapse.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import io.collapse.config.LlamaConfig;
import io.collapse.model.HfBlock;

/** HF's {@code LlamaDecoderLayer}: pre-norm (RMSNorm) attention and SwiGLU MLP, each with a residual; no dropout outside attention. */
public final class LlamaDecoderLayer extends HfBlock {

    private final LlamaAttention selfAttn;
    private final LlamaMLP mlp;
    private final LlamaRMSNorm inputLayernorm;
    private final LlamaRMSNorm postAttentionLayernorm;

    public LlamaDecoderLayer(LlamaConfig config) {
        // HF's __init__ order: self_attn, mlp, input_layernorm, post_attention_layernorm.
        this.selfAttn = addChildBlock("self_attn", new LlamaAttention(config));
        this.mlp = addChildBlock("mlp", new LlamaMLP(config));
        this.inputLayernorm = addChildBlock("input_layernorm", new LlamaRMSNorm(config.hiddenSize(), config.rmsNormEps()));
        this.postAttentionLayernorm = addChildBlock("post_attention_layernorm",
                new LlamaRMSNorm(config.hiddenSize(), config.rmsNormEps()));
    }

    /**
     * @param hidden (B, T, C)
     * @return hidden (B, T, C), key and value (B, KV, S, D)
     */
    NDList forward(ParameterStore ps, NDArray hidden, NDArray attnMask, NDArray cos, NDArray sin, NDArray pastKey,
            NDArray pastValue, boolean training) {
        NDList attn = selfAttn.forward(ps, inputLayernorm.forward(ps, hidden, training), attnMask, cos, sin, pastKey,
                pastValue, training);
        NDArray h = hidden.add(attn.get(0)); // (B, T, C)
        h = h.add(mlp.forward(ps, postAttentionLayernorm.forward(ps, h, training), training)); // (B, T, C)
        return new NDList(h, attn.get(1), attn.get(2));
    }
}
