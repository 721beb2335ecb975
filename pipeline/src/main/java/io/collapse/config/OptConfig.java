package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An OPT decoder's shape and behaviour, read from and written to HF's {@code config.json}.
 * Field names are HF's; keys that only matter to HF's Python (architectures, torch_dtype…) are
 * ignored on read. Values this implementation cannot honour are rejected here, naming the field.
 */
@HfConfigJson
public record OptConfig(
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int ffnDim,
        int numAttentionHeads,
        int maxPositionEmbeddings,
        // true: pre-LN (opt-125m, 1.3b+); false: post-LN (opt-350m).
        Boolean doLayerNormBefore,
        // != hidden_size adds project_in/project_out (opt-350m: 512 vs 1024).
        Integer wordEmbedProjDim,
        String activationFunction,
        Boolean enableBias,
        Boolean layerNormElementwiseAffine,
        Double dropout,
        Double attentionDropout,
        // Old opt-350m configs say true: no decoder final_layer_norm even when pre-LN.
        @JsonProperty("_remove_final_layer_norm") Boolean removeFinalLayerNorm,
        Integer padTokenId,
        Integer bosTokenId,
        Integer eosTokenId,
        Double initStd,
        Boolean tieWordEmbeddings,
        String modelType) implements LmConfig {

    /** Fills HF's OPTConfig defaults for absent optional keys, then validates. */
    public OptConfig {
        doLayerNormBefore = doLayerNormBefore == null ? Boolean.TRUE : doLayerNormBefore;
        wordEmbedProjDim = wordEmbedProjDim == null ? hiddenSize : wordEmbedProjDim;
        activationFunction = activationFunction == null ? "relu" : activationFunction;
        enableBias = enableBias == null ? Boolean.TRUE : enableBias;
        layerNormElementwiseAffine = layerNormElementwiseAffine == null ? Boolean.TRUE : layerNormElementwiseAffine;
        dropout = dropout == null ? 0.1 : dropout;
        attentionDropout = attentionDropout == null ? 0.0 : attentionDropout;
        removeFinalLayerNorm = removeFinalLayerNorm == null ? Boolean.FALSE : removeFinalLayerNorm;
        padTokenId = padTokenId == null ? 1 : padTokenId;
        bosTokenId = bosTokenId == null ? 2 : bosTokenId;
        eosTokenId = eosTokenId == null ? 2 : eosTokenId;
        initStd = initStd == null ? 0.02 : initStd;
        tieWordEmbeddings = tieWordEmbeddings == null ? Boolean.TRUE : tieWordEmbeddings;
        modelType = modelType == null ? "opt" : modelType;

        Check.modelSizes("vocab_size", vocabSize, "hidden_size", hiddenSize, "num_hidden_layers", numHiddenLayers,
                "ffn_dim", ffnDim, "num_attention_heads", numAttentionHeads, "max_position_embeddings", maxPositionEmbeddings,
                "word_embed_proj_dim", wordEmbedProjDim);

        Check.layers("num_hidden_layers", numHiddenLayers);
        Check.divisible("hidden_size", hiddenSize, "num_attention_heads", numAttentionHeads);
        Activation.fromHf("activation_function", activationFunction);
        Check.dropout("dropout", dropout);
        Check.dropout("attention_dropout", attentionDropout);
        Check.positiveBelow("init_std", initStd, 10);
        Check.modelType(modelType, "opt");
        if (!tieWordEmbeddings) {
            throw new IllegalArgumentException(
                    "config: tie_word_embeddings=false is not supported; OPT ties lm_head to embed_tokens");
        }
        Check.specialTokenIds(vocabSize, padTokenId, bosTokenId, eosTokenId);
    }

    public Activation activation() {
        return Activation.fromHf("activation_function", activationFunction);
    }

    /** project_in/project_out exist when the embedding width differs from the decoder width. */
    public boolean hasProjection() {
        return wordEmbedProjDim != hiddenSize;
    }

    /** HF: the decoder's final_layer_norm exists only for pre-LN models that did not remove it. */
    public boolean hasFinalLayerNorm() {
        return doLayerNormBefore && !removeFinalLayerNorm;
    }

    /** Rows of embed_positions: OPT offsets positions by 2. */
    public int positionRows() {
        return maxPositionEmbeddings + 2;
    }

    @Override
    public String toJson(String torchDtype) {
        return LmConfig.json(this, "OPTForCausalLM", torchDtype);
    }

    @Override
    public int intermediateSize() {
        return ffnDim;
    }

    @Override
    public double initializerRange() {
        return initStd;
    }

    /** OPTForCausalLM's names start {@code model.decoder.}; facebook/opt checkpoints leave out {@code model.}. */
    @Override
    public String basePrefix() {
        return "model";
    }

    @Override
    public long matmulParameters() {
        long h = hiddenSize;
        long perLayer = 4 * h * h + 2 * h * ffnDim;
        long projections = hasProjection() ? 2 * h * wordEmbedProjDim : 0;
        return numHiddenLayers * perLayer + projections + (long) vocabSize * wordEmbedProjDim;
    }

    /** Token and position embeddings, 4 attention and 2 MLP matrices a layer; the head is tied. */
    @Override
    public long matrixParameters() {
        long h = hiddenSize;
        long layer = 4 * h * h + 2 * h * ffnDim;
        return (long) vocabSize * wordEmbedProjDim + (long) positionRows() * h + numHiddenLayers * layer;
    }

    /**
     * Far above any OPT (175b: hidden 12288, ffn 49152, 96 layers, 2048 positions), low enough that
     * derived sizes (positions + 2, heads × head_dim, a product of two) cannot overflow.
     */
    static final int MAX_SIZE = 1 << 20;
}
