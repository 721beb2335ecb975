package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A GPT-2 model's shape and behaviour (gpt2, distilgpt2…), read from and written to HF's
 * {@code config.json} under HF's names ({@code n_embd}, {@code n_layer}…). Keys that only matter
 * to HF's Python (the summary head of GPT2DoubleHeadsModel, use_cache…) are ignored on read;
 * values this implementation cannot honour are rejected here, naming the field.
 */
@HfConfigJson
public record Gpt2Config(
        int vocabSize,
        Integer nPositions,
        Integer nEmbd,
        Integer nLayer,
        Integer nHead,
        // null: 4 · n_embd, as HF's GPT2Block.
        Integer nInner,
        String activationFunction,
        Double residPdrop,
        Double embdPdrop,
        Double attnPdrop,
        Double layerNormEpsilon,
        @JsonProperty("initializer_range") Double initStd,
        // false: scores are q·k without the 1/sqrt(head_dim) (no released checkpoint does this).
        Boolean scaleAttnWeights,
        // true: layer i's scores are further divided by i + 1 (Mistral's GPT-2 runs).
        Boolean scaleAttnByInverseLayerIdx,
        Boolean reorderAndUpcastAttn,
        Boolean addCrossAttention,
        Integer padTokenId,
        Integer bosTokenId,
        Integer eosTokenId,
        Boolean tieWordEmbeddings,
        String modelType) implements LmConfig {

    /** Fills HF's GPT2Config defaults (gpt2's own values) for absent keys, then validates. */
    public Gpt2Config {
        nPositions = nPositions == null ? 1024 : nPositions;
        nEmbd = nEmbd == null ? 768 : nEmbd;
        nLayer = nLayer == null ? 12 : nLayer;
        nHead = nHead == null ? 12 : nHead;
        nInner = nInner == null ? Integer.valueOf(4 * Math.min(nEmbd, OptConfig.MAX_SIZE)) : nInner;
        activationFunction = activationFunction == null ? "gelu_new" : activationFunction;
        residPdrop = residPdrop == null ? 0.1 : residPdrop;
        embdPdrop = embdPdrop == null ? 0.1 : embdPdrop;
        attnPdrop = attnPdrop == null ? 0.1 : attnPdrop;
        layerNormEpsilon = layerNormEpsilon == null ? 1e-5 : layerNormEpsilon;
        initStd = initStd == null ? 0.02 : initStd;
        scaleAttnWeights = scaleAttnWeights == null ? Boolean.TRUE : scaleAttnWeights;
        scaleAttnByInverseLayerIdx = scaleAttnByInverseLayerIdx == null ? Boolean.FALSE : scaleAttnByInverseLayerIdx;
        reorderAndUpcastAttn = reorderAndUpcastAttn == null ? Boolean.FALSE : reorderAndUpcastAttn;
        addCrossAttention = addCrossAttention == null ? Boolean.FALSE : addCrossAttention;
        bosTokenId = bosTokenId == null ? 50256 : bosTokenId;
        eosTokenId = eosTokenId == null ? 50256 : eosTokenId;
        tieWordEmbeddings = tieWordEmbeddings == null ? Boolean.TRUE : tieWordEmbeddings;
        modelType = modelType == null ? "gpt2" : modelType;

        Check.modelSizes("vocab_size", vocabSize, "n_positions", nPositions, "n_embd", nEmbd, "n_layer", nLayer,
                "n_head", nHead, "n_inner", nInner);

        Check.layers("n_layer", nLayer);
        Check.divisible("n_embd", nEmbd, "n_head", nHead);
        Activation.fromHf("activation_function", activationFunction);
        Check.dropout("resid_pdrop", residPdrop);
        Check.dropout("embd_pdrop", embdPdrop);
        Check.dropout("attn_pdrop", attnPdrop);
        Check.positiveBelow("layer_norm_epsilon", layerNormEpsilon, 1);
        Check.positiveBelow("initializer_range", initStd, 10);
        refuse("reorder_and_upcast_attn", reorderAndUpcastAttn, "scores are computed in the model's dtype");
        refuse("add_cross_attention", addCrossAttention, "a causal LM has no encoder to attend to");
        Check.modelType(modelType, "gpt2");
        Check.specialTokenIds(vocabSize, padTokenId, bosTokenId, eosTokenId);
    }

    public Activation activation() {
        return Activation.fromHf("activation_function", activationFunction);
    }

    @Override
    public String toJson(String torchDtype) {
        return LmConfig.json(this, "GPT2LMHeadModel", torchDtype);
    }

    @Override
    public int hiddenSize() {
        return nEmbd;
    }

    @Override
    public int numHiddenLayers() {
        return nLayer;
    }

    @Override
    public int numAttentionHeads() {
        return nHead;
    }

    @Override
    public int intermediateSize() {
        return nInner;
    }

    @Override
    public int maxPositionEmbeddings() {
        return nPositions;
    }

    @Override
    public double initializerRange() {
        return initStd;
    }

    /** GPT2LMHeadModel's names start {@code transformer.}; the openai-community checkpoints leave it out. */
    @Override
    public String basePrefix() {
        return "transformer";
    }

    /** Old checkpoints (gpt2, distilgpt2) carry each layer's causal-mask buffers: {@code h.N.attn.bias}, {@code attn.masked_bias}. */
    @Override
    public boolean ignoredTensor(String name) {
        return name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias");
    }

    /** Token and position embeddings, four attention and two MLP matrices a layer, the head where untied. */
    @Override
    public long matrixParameters() {
        // The matmul weights, plus the position table (wpe) and, untied, the head.
        return matmulParameters() + (long) nPositions * nEmbd + (tieWordEmbeddings ? 0 : (long) vocabSize * nEmbd);
    }

    private static void refuse(String field, boolean value, String why) {
        if (value) {
            throw new IllegalArgumentException("config: " + field + "=true is not supported; " + why);
        }
    }

    @Override
    public long matmulParameters() {
        return LmConfig.denseMatmulParameters(this);
    }
}
