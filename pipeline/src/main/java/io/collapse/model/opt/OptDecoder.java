package io.collapse.model.opt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.training.ParameterStore;
import io.collapse.config.OptConfig;
import io.collapse.model.BaseModel;
import io.collapse.model.CausalLM;
import io.collapse.model.DecoderLayers;
import io.collapse.model.Embedding;
import io.collapse.model.KvCache;
import io.collapse.model.LayerNorm;
import io.collapse.model.Linear;
import io.collapse.model.ModuleList;
import io.collapse.model.Tensors;

/**
 * HF's {@code OPTDecoder}: token and learned position embeddings, optional project_in/project_out
 * (when word_embed_proj_dim != hidden_size, opt-350m), the decoder layers and, for pre-LN models, a
 * final_layer_norm. Letters: B batch, T new positions, P cached positions, S = P + T, E
 * word_embed_proj_dim, C hidden_size, V vocab.
 */
public final class OptDecoder extends BaseModel {

    /** OPT's learned positions start at row 2 (fairseq reserved rows 0 and 1). */
    static final int POSITION_OFFSET = 2;

    private final Embedding embedTokens;
    private final Embedding embedPositions;
    private final Linear projectOut; // null unless E != C
    private final Linear projectIn; // null unless E != C
    private final LayerNorm finalLayerNorm; // null for post-LN models
    private final ModuleList<OptDecoderLayer> layers;

    public OptDecoder(OptConfig config) {
        // Registration order is HF's __init__ order, so keys come out as named_parameters() gives them.
        this.embedTokens = addInputEmbeddings("embed_tokens",
                new Embedding(config.vocabSize(), config.wordEmbedProjDim(), config.padTokenId()));
        this.embedPositions = addChildBlock("embed_positions", new Embedding(config.positionRows(), config.hiddenSize(), null));
        if (config.hasProjection()) {
            this.projectOut = addChildBlock("project_out", new Linear(config.hiddenSize(), config.wordEmbedProjDim(), false));
            this.projectIn = addChildBlock("project_in", new Linear(config.wordEmbedProjDim(), config.hiddenSize(), false));
        } else {
            this.projectOut = null;
            this.projectIn = null;
        }
        this.finalLayerNorm = config.hasFinalLayerNorm()
                ? addChildBlock("final_layer_norm", new LayerNorm(config.hiddenSize(), config.layerNormElementwiseAffine()))
                : null;
        this.layers = addChildBlock("layers", ModuleList.of(config.numHiddenLayers(), i -> new OptDecoderLayer(config)));
    }

    /**
     * @param inputIds (B, T) int64, the new tokens
     * @param attentionMask (B, S) 1 for real tokens, 0 for pads, covering cached and new positions
     * @param positionIds must be null: OPT's positions follow the attention mask alone (transformers 4.35)
     * @param cache cached keys/values of the first P positions, or null (no cache wanted)
     * @return hidden (B, T, E): the LM head's input
     */
    @Override
    protected CausalLM.Body forward(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray positionIds,
            KvCache cache, boolean training, boolean outputHiddenStates) {
        if (positionIds != null) {
            throw new IllegalArgumentException("opt takes no position_ids: its positions follow the attention mask");
        }
        long past = KvCache.lengthOf(cache);
        NDArray tokens = embedTokens.forward(ps, inputIds, training); // (B, T, E)
        if (projectIn != null) {
            tokens = projectIn.forward(ps, tokens, training); // (B, T, C)
        }
        NDArray positions = embedPositions.forward(ps, positionIds(attentionMask, past), training); // (B, T, C)
        NDArray hidden = tokens.add(positions); // (B, T, C)
        return DecoderLayers.run(hidden, attentionMask, cache, layers, outputHiddenStates,
                (layer, h, attnMask, pastKey, pastValue) -> layer.forward(ps, h, attnMask, pastKey, pastValue, training),
                h -> {
                    NDArray out = finalLayerNorm == null ? h : finalLayerNorm.forward(ps, h, training);
                    return projectOut == null ? out : projectOut.forward(ps, out, training); // (B, T, E)
                });
    }

    /**
     * HF's OPTLearnedPositionalEmbedding: {@code cumsum(mask) * mask - 1} counts real tokens only,
     * so a row's first real token gets position 0 however much left padding precedes it; pads get
     * -1. Plus the offset 2: rows 2… of embed_positions, pads row 1.
     *
     * @return (B, T) int64 rows of embed_positions for the new positions
     */
    static NDArray positionIds(NDArray attentionMask, long past) {
        NDArray counted = attentionMask.cumSum(1).mul(attentionMask); // (B, S)
        NDArray positions = counted.sub(Tensors.scalar(counted, 1)); // (B, S)
        if (past > 0) {
            positions = positions.get(new NDIndex(":, " + past + ":")); // (B, T)
        }
        return positions.add(Tensors.scalar(positions, POSITION_OFFSET));
    }
}
