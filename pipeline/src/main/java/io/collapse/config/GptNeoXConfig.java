package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A GPT-NeoX decoder's shape and behaviour (EleutherAI's Pythia), read from and written to HF's
 * {@code config.json}. Field names are HF's. Rotary settings live in {@code rope_parameters}
 * (rope_type, rope_theta, partial_rotary_factor) as transformers 5.x writes them; older configs
 * (Pythia's, 4.x) say {@code rotary_pct} and {@code rotary_emb_base} instead, or {@code rope_scaling}:
 * they are folded into {@code rope_parameters} here with 5.17's precedence and not written back.
 */
@HfConfigJson
public record GptNeoXConfig(
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        String hiddenAct,
        Map<String, Object> ropeParameters,
        // 4.x names, read only: folded into rope_parameters (which wins where both name a value).
        Double rotaryPct,
        Double rotaryEmbBase,
        // Older still: replaces rope_parameters altogether when present, as 5.17 does.
        Map<String, Object> ropeScaling,
        int maxPositionEmbeddings,
        Double layerNormEps,
        // true: x + attn(ln1(x)) + mlp(ln2(x)) (Pythia, NeoX-20B); false: the usual sequential block.
        Boolean useParallelResidual,
        Boolean attentionBias,
        Double attentionDropout,
        Double hiddenDropout,
        @JsonProperty("initializer_range") Double initRange,
        Integer padTokenId,
        Integer bosTokenId,
        Integer eosTokenId,
        // Pythia: false, a separate embed_out.
        Boolean tieWordEmbeddings,
        String modelType) implements LmConfig {

    /** Fills HF's GPTNeoXConfig defaults (5.17) for absent optional keys, then validates. */
    public GptNeoXConfig {
        hiddenAct = hiddenAct == null ? "gelu" : hiddenAct;
        ropeParameters = rope(ropeScaling != null ? ropeScaling : ropeParameters, rotaryPct, rotaryEmbBase);
        rotaryPct = null;
        rotaryEmbBase = null;
        ropeScaling = null;
        layerNormEps = layerNormEps == null ? 1e-5 : layerNormEps;
        useParallelResidual = useParallelResidual == null ? Boolean.TRUE : useParallelResidual;
        attentionBias = attentionBias == null ? Boolean.TRUE : attentionBias;
        attentionDropout = attentionDropout == null ? 0.0 : attentionDropout;
        hiddenDropout = hiddenDropout == null ? 0.0 : hiddenDropout;
        initRange = initRange == null ? 0.02 : initRange;
        bosTokenId = bosTokenId == null ? 0 : bosTokenId;
        eosTokenId = eosTokenId == null ? 2 : eosTokenId;
        tieWordEmbeddings = tieWordEmbeddings == null ? Boolean.FALSE : tieWordEmbeddings;
        modelType = modelType == null ? "gpt_neox" : modelType;

        Check.modelSizes("vocab_size", vocabSize, "hidden_size", hiddenSize, "num_hidden_layers", numHiddenLayers,
                "num_attention_heads", numAttentionHeads, "intermediate_size", intermediateSize,
                "max_position_embeddings", maxPositionEmbeddings);

        Check.layers("num_hidden_layers", numHiddenLayers);
        Check.divisible("hidden_size", hiddenSize, "num_attention_heads", numAttentionHeads);
        Activation.fromHf("hidden_act", hiddenAct);
        Check.positiveBelow("layer_norm_eps", layerNormEps, 1);
        Check.positiveBelow("initializer_range", initRange, 10);
        Check.dropout("attention_dropout", attentionDropout);
        Check.dropout("hidden_dropout", hiddenDropout);
        Check.modelType(modelType, "gpt_neox");
        int headDim = hiddenSize / numAttentionHeads;
        int rotary = rotaryNdims(headDim, ropeParameters);
        if (rotary < 2 || rotary % 2 != 0) {
            throw new IllegalArgumentException("config: rope_parameters.partial_rotary_factor × head_dim (" + headDim
                    + ") must give an even number of rotary dims >= 2, got " + rotary);
        }
        Check.specialTokenIds(vocabSize, padTokenId, bosTokenId, eosTokenId);
    }

    /**
     * 5.17's {@code convert_rope_params_to_dict}: the given dict (or {}), then rope_theta from
     * rotary_emb_base (default 10000) and partial_rotary_factor from rotary_pct (default 0.25) where
     * the dict has none; rope_type from the old key {@code type}, else "default". Only "default"
     * RoPE is implemented: NeoX checkpoints (Pythia, NeoX-20B) use nothing else.
     */
    private static Map<String, Object> rope(Map<String, Object> given, Double rotaryPct, Double rotaryEmbBase) {
        Map<String, Object> rope = new TreeMap<>(given == null ? Map.of() : given);
        rope.putIfAbsent("rope_theta", rotaryEmbBase == null ? 10000.0 : rotaryEmbBase);
        rope.putIfAbsent("partial_rotary_factor", rotaryPct == null ? 0.25 : rotaryPct);
        Object type = rope.containsKey("rope_type") ? rope.get("rope_type") : rope.getOrDefault("type", "default");
        if (!"default".equals(type)) {
            throw new IllegalArgumentException("config: rope_parameters.rope_type '" + type
                    + "' is not supported for gpt_neox; expected 'default'");
        }
        rope.put("rope_type", "default");
        rope.remove("type");
        for (String key : new String[] {"rope_theta", "partial_rotary_factor"}) {
            if (!(rope.get(key) instanceof Number)) {
                throw new IllegalArgumentException("config: rope_parameters." + key + " must be a number, got " + rope.get(key));
            }
        }
        Check.positive("config: rope_parameters.rope_theta", ((Number) rope.get("rope_theta")).doubleValue());
        Check.range("config: rope_parameters.partial_rotary_factor",
                ((Number) rope.get("partial_rotary_factor")).doubleValue(), 0, 1);
        return Collections.unmodifiableMap(rope);
    }

    public Activation activation() {
        return Activation.fromHf("hidden_act", hiddenAct);
    }

    /** Plain RoPE with the config's theta (rope_type "default", the only one NeoX checkpoints use). */
    public RopeParameters rope() {
        return RopeParameters.plain(((Number) ropeParameters.get("rope_theta")).doubleValue());
    }

    /** HF's {@code rotary_ndims}: the leading dims of each head that are rotated (Pythia: 25% of 64 = 16). */
    public int rotaryNdims() {
        return rotaryNdims(headDim(), ropeParameters);
    }

    private static int rotaryNdims(int headDim, Map<String, Object> ropeParameters) {
        return (int) (headDim * ((Number) ropeParameters.get("partial_rotary_factor")).doubleValue());
    }

    @Override
    public double initializerRange() {
        return initRange;
    }

    @Override
    public String toJson(String torchDtype) {
        return LmConfig.json(this, "GPTNeoXForCausalLM", torchDtype);
    }

    @Override
    public String basePrefix() {
        return "gpt_neox";
    }

    /** Pythia's name for the LM head; 5.17 calls it {@code lm_head} in memory and renames on load. */
    @Override
    public String headTensor() {
        return "embed_out.weight";
    }

    /** 5.17's own name for the head ({@code lm_head.weight}) is taken as {@code embed_out.weight}. */
    @Override
    public String canonicalName(String name) {
        return name.equals("lm_head.weight") ? headTensor() : LmConfig.super.canonicalName(name);
    }

    /**
     * Buffers that old checkpoints carry and HF drops on load: the causal mask {@code attention.bias},
     * {@code attention.masked_bias} and the rotary {@code inv_freq} (recomputed from the config).
     */
    @Override
    public boolean ignoredTensor(String name) {
        return name.endsWith(".attention.bias") || name.endsWith(".attention.masked_bias")
                || name.endsWith(".rotary_emb.inv_freq");
    }

    /** embed_in, the layers' matrices and, untied, embed_out. */
    @Override
    public long matrixParameters() {
        return matmulParameters() + (tieWordEmbeddings ? 0 : (long) vocabSize * hiddenSize); // + the untied head
    }

    @Override
    public long matmulParameters() {
        return LmConfig.denseMatmulParameters(this);
    }
}
