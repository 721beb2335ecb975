package io.collapse.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import io.collapse.config.LlamaConfig;
import io.collapse.model.BaseModel;
import io.collapse.model.CausalLM;
import io.collapse.model.DecoderLayers;
import io.collapse.model.Embedding;
import io.collapse.model.KvCache;
import io.collapse.model.ModuleList;
import io.collapse.model.PositionIds;
import io.collapse.model.Rotary;

/**
 * HF's {@code LlamaModel} (Qwen2's too): token embedding, decoder layers, final RMSNorm, and the
 * rotary embedding (no parameters: positions enter only through the rotation of q and k). Letters:
 * B batch, T new positions, P cached positions, S = P + T, C hidden size.
 */
public final class LlamaModel extends BaseModel {

    private final Rotary rotary;
    private final Embedding embedTokens;
    private final ModuleList<LlamaDecoderLayer> layers;
    private final LlamaRMSNorm norm;

    public LlamaModel(LlamaConfig config) {
        this.rotary = new Rotary(config.headDim(), config.ropeParameters());
        this.embedTokens = addInputEmbeddings("embed_tokens",
                new Embedding(config.vocabSize(), config.hiddenSize(), config.padTokenId()));
        this.layers = addChildBlock("layers", ModuleList.of(config.numHiddenLayers(), i -> new LlamaDecoderLayer(config)));
        this.norm = addChildBlock("norm", new LlamaRMSNorm(config.hiddenSize(), config.rmsNormEps()));
    }

    /**
     * @param inputIds (B, T) int64
     * @param attentionMask (B, S) int64
     * @param positionIds (B, T) int64 HF's position_ids, or null for HF generate's ({@link PositionIds#fromMask})
     * @return hidden (B, T, C) after the final norm, the keys/values of all S positions when a cache was passed
     */
    @Override
    protected CausalLM.Body forward(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray positionIds,
            KvCache cache, boolean training, boolean outputHiddenStates) {
        NDArray hidden = embedTokens.forward(ps, inputIds, training); // (B, T, C)
        NDArray positions = PositionIds.orFromMask(positionIds, attentionMask, cache); // (B, T)
        NDList cosSin = rotary.cosSin(positions, hidden.getDataType()); // (B, T, D) each
        return DecoderLayers.run(hidden, attentionMask, cache, layers, outputHiddenStates,
                (layer, h, attnMask, pastKey, pastValue) -> layer.forward(ps, h, attnMask, cosSin.get(0), cosSin.get(1),
                        pastKey, pastValue, training),
                last -> norm.forward(ps, last, training)); // HF's last hidden state is the normed one
    }
}
