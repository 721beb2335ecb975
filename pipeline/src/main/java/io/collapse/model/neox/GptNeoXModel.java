package io.collapse.model.neox;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import io.collapse.config.GptNeoXConfig;
import io.collapse.model.BaseModel;
import io.collapse.model.CausalLM;
import io.collapse.model.DecoderLayers;
import io.collapse.model.Embedding;
import io.collapse.model.KvCache;
import io.collapse.model.LayerNorm;
import io.collapse.model.ModuleList;
import io.collapse.model.PositionIds;
import io.collapse.model.Rotary;

/**
 * HF's {@code GPTNeoXModel}: the token embedding {@code embed_in} (no learned positions: rotary
 * positions act inside attention), the layers and a final_layer_norm. Letters: B batch, T new
 * positions, P cached positions, S = P + T, C hidden_size, R rotary dims.
 */
public final class GptNeoXModel extends BaseModel {

    private final float hiddenDropout;
    private final Rotary rotary;
    private final Embedding embedIn;
    private final ModuleList<GptNeoXLayer> layers;
    private final LayerNorm finalLayerNorm;

    public GptNeoXModel(GptNeoXConfig config) {
        this.hiddenDropout = config.hiddenDropout().floatValue();
        this.rotary = new Rotary(config.rotaryNdims(), config.rope());
        // Registration order is HF's __init__ order, so keys come out as named_parameters() gives them.
        this.embedIn = addInputEmbeddings("embed_in", new Embedding(config.vocabSize(), config.hiddenSize(), null));
        this.layers = addChildBlock("layers", ModuleList.of(config.numHiddenLayers(), i -> new GptNeoXLayer(config)));
        this.finalLayerNorm = addChildBlock("final_layer_norm",
                new LayerNorm(config.hiddenSize(), true, config.layerNormEps().floatValue()));
    }

    /**
     * @param inputIds (B, T) int64, the new tokens
     * @param attentionMask (B, S) 1 for real tokens, 0 for pads, covering cached and new positions
     * @param positionIds (B, T) int64 rotary positions, or null for HF generate's ({@link PositionIds#fromMask})
     * @param cache cached keys/values of the first P positions, or null (no cache wanted)
     * @return hidden (B, T, C) after final_layer_norm: the LM head's input
     */
    @Override
    protected CausalLM.Body forward(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray positionIds,
            KvCache cache, boolean training, boolean outputHiddenStates) {
        NDArray hidden = embedIn.forward(ps, inputIds, training); // (B, T, C)
        hidden = dropout(hidden, hiddenDropout, training); // HF's emb_dropout
        NDArray positions = PositionIds.orFromMask(positionIds, attentionMask, cache); // (B, T)
        NDList rope = rotary.cosSin(positions, hidden.getDataType()); // cos, sin (B, T, R)
        return DecoderLayers.run(hidden, attentionMask, cache, layers, outputHiddenStates,
                (layer, h, attnMask, pastKey, pastValue) -> layer.forward(ps, h, attnMask, rope, pastKey, pastValue, training),
                h -> finalLayerNorm.forward(ps, h, training));
    }
}
