package io.collapse.model.neox;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.collapse.config.GptNeoXConfig;
import io.collapse.model.Attention;
import io.collapse.model.HfBlock;
import io.collapse.model.Linear;
import io.collapse.model.Rotary;

/**
 * HF's {@code GPTNeoXAttention}: one fused {@code query_key_value} projection, rotary positions on
 * the first rotary_ndims of each query and key head, softmax(q·kᵀ/√D + mask)·v
 * ({@link Attention#attend}), {@code dense}.
 * Letters: B batch, T new positions, P cached positions, S = P + T key positions, H heads,
 * D head_size, R rotary dims, C = H·D hidden size.
 */
public final class GptNeoXAttention extends HfBlock {

    private final Attention attention;
    private final Linear queryKeyValue;
    private final Linear dense;

    public GptNeoXAttention(GptNeoXConfig config) {
        int c = config.hiddenSize();
        this.attention = new Attention(config, config.attentionDropout());
        this.queryKeyValue = addChildBlock("query_key_value", new Linear(c, 3L * c, config.attentionBias()));
        this.dense = addChildBlock("dense", new Linear(c, c, config.attentionBias()));
    }

    /**
     * @param hidden (B, T, C), already normalised (input_layernorm)
     * @param attnMask (B, 1, T, S) additive: 0 where a query may see a key, the dtype's minimum where not
     * @param rope the cos and sin of the new positions, (B, T, R) each
     * @param pastKey (B, H, P, D) or null
     * @param pastValue (B, H, P, D) or null
     * @return output (B, T, C), key (B, H, S, D) rotated, value (B, H, S, D)
     */
    NDList forward(ParameterStore ps, NDArray hidden, NDArray attnMask, NDList rope, NDArray pastKey,
            NDArray pastValue, boolean training) {
        Shape shape = hidden.getShape();
        long b = shape.get(0);
        long t = shape.get(1);
        // The fused weight's rows are per head [q | k | v], not [all q | all k | all v].
        NDArray qkv = queryKeyValue.forward(ps, hidden, training) // (B, T, 3C)
                .reshape(b, t, attention.heads(), 3L * attention.headDim()) // (B, T, H, 3D)
                .transpose(0, 2, 1, 3); // (B, H, T, 3D)
        NDList parts = qkv.split(3, 3); // (B, H, T, D) three times
        // HF scales the scores after q·kᵀ; scaling q first is the same up to rounding, and exact
        // where 1/√D is a power of two (Pythia: D = 64 → 1/8).
        NDArray q = attention.scale(Rotary.apply(parts.get(0), rope.get(0), rope.get(1))); // (B, H, T, D)
        NDArray k = Rotary.apply(parts.get(1), rope.get(0), rope.get(1)); // (B, H, T, D)
        NDList out = attention.attend(q, k, parts.get(2), pastKey, pastValue, attnMask, training);
        return new NDList(dense.forward(ps, out.get(0), training), out.get(1), out.get(2)); // (B, T, C), keys, values
    }
}
