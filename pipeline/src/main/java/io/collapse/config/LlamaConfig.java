package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * A Llama-architecture decoder (HF's {@code LlamaConfig}, model_type {@code llama}: Llama 2/3.x,
 * TinyLlama, SmolLM2) or its Qwen2 variant ({@code Qwen2Config}, {@code qwen2}: Qwen2/2.5, q/k/v
 * biases always on, o_proj never). HF's names and defaults; the rope settings are read from 5.x's
 * {@code rope_parameters} or 4.x's {@code rope_scaling} + {@code rope_theta} and written back as
 * 5.x writes them.
 */
@HfConfigJson
public record LlamaConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        // Absent or 0: as many as the query heads. Fewer than the query heads: grouped-query attention (SmolLM2-135M 9/3, Llama 3.2 1B 32/8).
        int numKeyValueHeads,
        // Absent or 0: hidden/heads, as HF fills it; set where heads × head_dim != hidden_size.
        int headDim,
        // Absent or 0: HF's default (2048 Llama, 32768 Qwen2).
        int maxPositionEmbeddings,
        Double rmsNormEps,
        RopeParameters ropeParameters,
        // 4.x's names, read only: folded into rope_parameters as 5.x's standardize_rope_params does.
        @JsonProperty(value = "rope_scaling", access = JsonProperty.Access.WRITE_ONLY) RopeParameters ropeScaling,
        @JsonProperty(value = "rope_theta", access = JsonProperty.Access.WRITE_ONLY) Double ropeTheta,
        // Llama only: biases on q/k/v/o (Qwen2 has q/k/v biases whatever it says).
        Boolean attentionBias,
        Boolean mlpBias,
        String hiddenAct,
        Boolean tieWordEmbeddings,
        // Absent or 0: 0.02.
        double initializerRange,
        Double attentionDropout,
        // Qwen2 only: true is refused (collapse attends over the whole context, as Qwen2 does with false).
        Boolean useSlidingWindow,
        @JsonDeserialize(using = OneId.class) Integer padTokenId,
        @JsonDeserialize(using = OneId.class) Integer bosTokenId,
        // One id, or several (Llama 3.1/3.2 instruct's [128001, 128008, 128009]): any of them ends a sequence.
        @JsonProperty("eos_token_id")
        @JsonFormat(with = {JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY, JsonFormat.Feature.WRITE_SINGLE_ELEM_ARRAYS_UNWRAPPED})
        @JsonInclude(JsonInclude.Include.NON_EMPTY)
        List<Integer> eosTokenIds,
        String modelType) implements LmConfig {

    /** Fills HF's defaults (LlamaConfig's or Qwen2Config's by model_type) for absent keys, then validates. */
    public LlamaConfig {
        modelType = modelType == null ? "llama" : modelType;
        Check.modelType(modelType, "llama", "qwen2");
        boolean qwen2 = modelType.equals("qwen2");
        numKeyValueHeads = numKeyValueHeads == 0 ? numAttentionHeads : numKeyValueHeads;
        if (headDim == 0 && numAttentionHeads > 0) {
            if (hiddenSize % numAttentionHeads != 0) {
                throw new IllegalArgumentException("config: hidden_size (" + hiddenSize
                        + ") must be divisible by num_attention_heads (" + numAttentionHeads + ") when head_dim is not given");
            }
            headDim = hiddenSize / numAttentionHeads;
        }
        maxPositionEmbeddings = maxPositionEmbeddings == 0 ? (qwen2 ? 32768 : 2048) : maxPositionEmbeddings;
        rmsNormEps = rmsNormEps == null ? 1e-6 : rmsNormEps;
        RopeParameters given = ropeScaling != null ? ropeScaling : ropeParameters;
        ropeParameters = (given == null ? new RopeParameters(null, null, null, null, null, null) : given)
                .filled(ropeTheta, maxPositionEmbeddings);
        ropeScaling = null;
        ropeTheta = ropeParameters.ropeTheta();
        attentionBias = qwen2 ? null : attentionBias == null ? Boolean.FALSE : attentionBias;
        mlpBias = qwen2 ? null : mlpBias == null ? Boolean.FALSE : mlpBias;
        hiddenAct = hiddenAct == null ? "silu" : hiddenAct;
        tieWordEmbeddings = tieWordEmbeddings == null ? Boolean.FALSE : tieWordEmbeddings;
        initializerRange = initializerRange == 0 ? 0.02 : initializerRange;
        attentionDropout = attentionDropout == null ? 0.0 : attentionDropout;
        useSlidingWindow = qwen2 ? (useSlidingWindow == null ? Boolean.FALSE : useSlidingWindow) : null;
        if (!qwen2) {
            bosTokenId = bosTokenId == null ? Integer.valueOf(1) : bosTokenId;
            eosTokenIds = eosTokenIds == null ? List.of(2) : eosTokenIds;
        }
        eosTokenIds = eosIds(eosTokenIds);
        validate(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads, numKeyValueHeads, headDim,
                maxPositionEmbeddings);
        Check.positiveBelow("rms_norm_eps", rmsNormEps, 1);
        Activation.fromHf("hidden_act", hiddenAct);
        Check.dropout("attention_dropout", attentionDropout);
        Check.positiveBelow("initializer_range", initializerRange, 10);
        if (Boolean.TRUE.equals(useSlidingWindow)) {
            throw new IllegalArgumentException("config: use_sliding_window=true is not supported (Qwen2 sliding-window attention)");
        }
        Check.specialTokenIds(vocabSize, padTokenId, bosTokenId);
        Check.specialTokenIds(vocabSize, eosTokenIds.toArray(Integer[]::new));
    }

    /**
     * config.json's eos ids, none where it has none. An empty list is refused: written back it
     * would be left out, and read again it would be Llama's default eos.
     */
    private static List<Integer> eosIds(List<Integer> given) {
        if (given == null) {
            return List.of();
        }
        if (given.isEmpty() || given.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("config: eos_token_id " + given + " is not supported; expected a token id"
                    + " or a list of them");
        }
        return List.copyOf(given);
    }

    /** The first eos id (HF's eos_token_id[0]: what pads where there is no pad id), null without one. */
    @Override
    public Integer eosTokenId() {
        return eosTokenIds.isEmpty() ? null : eosTokenIds.get(0);
    }

    private static void validate(int vocab, int hidden, int inner, int layers, int heads, int kvHeads, int headDim,
            int positions) {
        Check.modelSizes("vocab_size", vocab, "hidden_size", hidden, "intermediate_size", inner, "num_hidden_layers", layers,
                "num_attention_heads", heads, "num_key_value_heads", kvHeads, "head_dim", headDim,
                "max_position_embeddings", positions);
        Check.layers("num_hidden_layers", layers);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("config: num_key_value_heads (" + kvHeads
                    + ") must divide num_attention_heads (" + heads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("config: head_dim (" + headDim + ") must be even for rotary embeddings");
        }
        if ((long) heads * headDim > OptConfig.MAX_SIZE) {
            throw new IllegalArgumentException("config: num_attention_heads × head_dim must be at most " + OptConfig.MAX_SIZE);
        }
    }

    /** Qwen2: q/k/v carry biases. */
    public boolean qwen2() {
        return modelType.equals("qwen2");
    }

    /** Biases on q_proj, k_proj, v_proj: Qwen2 always, Llama when attention_bias. */
    public boolean qkvBias() {
        return qwen2() || attentionBias;
    }

    /** A bias on o_proj: Llama when attention_bias, Qwen2 never. */
    public boolean oProjBias() {
        return !qwen2() && attentionBias;
    }

    public boolean mlpBiasOn() {
        return !qwen2() && mlpBias;
    }

    public Activation activation() {
        return Activation.fromHf("hidden_act", hiddenAct);
    }

    @Override
    public String basePrefix() {
        return "model";
    }

    @Override
    public String toJson(String torchDtype) {
        return LmConfig.json(this, qwen2() ? "Qwen2ForCausalLM" : "LlamaForCausalLM", torchDtype);
    }

    /** q, k, v, o and the three MLP matrices of one layer. */
    private long layerMatrices() {
        long c = hiddenSize;
        long q = (long) numAttentionHeads * headDim;
        long kv = (long) numKeyValueHeads * headDim;
        return c * q + 2 * c * kv + q * c + 3 * c * intermediateSize;
    }

    @Override
    public long matmulParameters() {
        return numHiddenLayers * layerMatrices() + (long) vocabSize * hiddenSize;
    }

    /** The token embedding, the layers and, untied, the LM head (no position table: rotary). */
    @Override
    public long matrixParameters() {
        return matmulParameters() + (tieWordEmbeddings ? 0 : (long) vocabSize * hiddenSize);
    }

    /** A pad or bos id, which config.json may give as a list of one. */
    static final class OneId extends JsonDeserializer<Integer> {
        @Override
        public Integer deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode node = ctxt.readTree(p);
            if (node.isArray() && node.size() == 1) {
                node = node.get(0);
            }
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw new IllegalArgumentException("config: " + p.currentName() + " " + node
                        + " is not supported; expected one token id");
            }
            return node.intValue();
        }
    }
}
