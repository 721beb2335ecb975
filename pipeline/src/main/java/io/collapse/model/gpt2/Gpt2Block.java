package io.collapse.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import io.collapse.config.Gpt2Config;
import io.collapse.model.HfBlock;
import io.collapse.model.LayerNorm;

/** HF's {@code GPT2Block}: pre-LN self-attention ({@code ln_1}, {@code attn}) and MLP ({@code ln_2}, {@code mlp}), each with a residual. */
public final class Gpt2Block extends HfBlock {

    private final LayerNorm ln1;
    private final Gpt2Attention attn;
    private final LayerNorm ln2;
    private final Gpt2Mlp mlp;

    public Gpt2Block(Gpt2Config config, int layerIdx) {
        int c = config.hiddenSize();
        float eps = config.layerNormEpsilon().floatValue();
        // Registration order is HF's __init__ order, so keys come out as named_parameters() gives them.
        this.ln1 = addChildBlock("ln_1", new LayerNorm(c, true, eps));
        this.attn = addChildBlock("attn", new Gpt2Attention(config, layerIdx));
        this.ln2 = addChildBlock("ln_2", new LayerNorm(c, true, eps));
        this.mlp = addChildBlock("mlp", new Gpt2Mlp(config));
    }

    /**
     * @param hidden (B, T, C)
     * @param attnMask (B, 1, T, S) additive
     * @return hidden (B, T, C), key and value (B, H, S, D) for the cache
     */
    NDList forward(ParameterStore ps, NDArray hidden, NDArray attnMask, NDArray pastKey, NDArray pastValue,
            boolean training) {
        NDList a = attn.forward(ps, ln1.forward(ps, hidden, training), attnMask, pastKey, pastValue, training);
        NDArray h = a.get(0).add(hidden); // (B, T, C)
        h = h.add(mlp.forward(ps, ln2.forward(ps, h, training), training)); // (B, T, C)
        return new NDList(h, a.get(1), a.get(2));
    }
}
