package io.collapse.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.io.RegularFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A causal language model's {@code config.json}, whatever its family: what the pipeline (training,
 * evaluation, decoding, memory estimates, checkpoints) needs to know without knowing the family.
 * Each family's record (OPT's {@link OptConfig}…) keeps HF's field names; {@link #read} picks the
 * record from {@code model_type}, as HF's {@code AutoConfig} does.
 */
public interface LmConfig {

    /** HF's {@code model_type} → the record that reads it. A new family adds its line here. */
    Map<String, Class<? extends LmConfig>> MODEL_TYPES = new TreeMap<>(Map.of(
            "gpt2", Gpt2Config.class,
            "gpt_neox", GptNeoXConfig.class,
            "llama", LlamaConfig.class,
            "opt", OptConfig.class,
            "qwen2", LlamaConfig.class));

    String modelType();

    int vocabSize();

    int hiddenSize();

    int numHiddenLayers();

    int numAttentionHeads();

    /** Key/value heads: fewer than the query heads under grouped-query attention. */
    default int numKeyValueHeads() {
        return numAttentionHeads();
    }

    default int headDim() {
        return hiddenSize() / numAttentionHeads();
    }

    /** The MLP's inner width (OPT's ffn_dim, GPT-2's n_inner, Llama's intermediate_size). */
    int intermediateSize();

    int maxPositionEmbeddings();

    /** Null where the model has no pad token (GPT-2, Llama): then padding uses the first eos ({@link SpecialTokens#padOrEos}). */
    Integer padTokenId();

    /** The eos id; with several ({@link #eosTokenIds}), the first. Null where the model has none. */
    Integer eosTokenId();

    /** Every id that ends a sequence (HF's {@code eos_token_id}, one id or a list); empty where the model has none. */
    default List<Integer> eosTokenIds() {
        return eosTokenId() == null ? List.of() : List.of(eosTokenId());
    }

    /** Std of the normal init of weights (OPT's init_std, HF's initializer_range elsewhere). */
    double initializerRange();

    /** HF's tie_word_embeddings: the LM head shares the token embedding (OPT refuses false). */
    Boolean tieWordEmbeddings();

    /** True when the LM head shares the token embedding: no lm_head tensor of its own. */
    default boolean tiedLmHead() {
        return tieWordEmbeddings();
    }

    /**
     * HF's {@code base_model_prefix} ({@code model} for OPT and Llama, {@code transformer} for GPT-2,
     * {@code gpt_neox} for GPT-NeoX): checkpoints of the bare model leave it out of their names.
     */
    String basePrefix();

    /** The LM head's tensor name outside the base model ({@code lm_head.weight}, NeoX's {@code embed_out.weight}). */
    default String headTensor() {
        return "lm_head.weight";
    }

    /** Names in checkpoints that are buffers, not parameters, and that HF ignores on load (GPT-2's {@code attn.bias}). */
    default boolean ignoredTensor(String name) {
        return false;
    }

    /** The weight matrices' parameter count (embeddings, attention, MLP, head), for memory estimates. */
    long matrixParameters();

    /**
     * Weights of the matmuls one token goes through (layers, projections, LM head): a forward costs 2
     * flops each. Every family counts its own layers; GPT-2 and GPT-NeoX share {@link #denseMatmulParameters}.
     */
    long matmulParameters();

    /**
     * GPT-2's and GPT-NeoX's count: per layer four C×C attention matrices (NeoX's query_key_value is
     * three) and two C×I MLP ones, then the LM head.
     */
    static long denseMatmulParameters(LmConfig c) {
        long h = c.hiddenSize();
        return c.numHiddenLayers() * (4 * h * h + 2 * h * c.intermediateSize()) + (long) c.vocabSize() * h;
    }

    /** HF's config.json, with {@code torch_dtype} naming what the weights file holds. */
    String toJson(String torchDtype);

    /**
     * A checkpoint tensor's name as the model names it: the base-model prefix added where a
     * checkpoint of the bare model left it out ({@code decoder.…} → {@code model.decoder.…}).
     */
    default String canonicalName(String name) {
        String prefix = basePrefix() + ".";
        return name.startsWith(prefix) || name.equals(headTensor()) ? name : prefix + name;
    }

    /**
     * A checkpoint's tensors under the model's names ({@link #canonicalName}), without the buffers
     * HF ignores and, unless {@code keepTiedHead}, without a tied model's head tensor. A name given
     * both with and without the prefix goes to {@code problems}.
     */
    default <T> Map<String, T> canonical(Map<String, T> raw, boolean keepTiedHead, List<String> problems) {
        Map<String, T> out = new LinkedHashMap<>();
        for (Map.Entry<String, T> e : raw.entrySet()) {
            String name = e.getKey();
            if (ignoredTensor(name) || (!keepTiedHead && tiedLmHead() && name.equals(headTensor()))) {
                continue;
            }
            String key = canonicalName(name);
            if (out.put(key, e.getValue()) != null) {
                problems.add("tensor '" + key + "' is given twice (with and without the '" + basePrefix() + ".' prefix)");
            }
        }
        return out;
    }

    /** Reads config.json, picking the family from {@code model_type} (OPT where it is absent, as old OPT configs are). */
    static LmConfig read(Path file) throws IOException {
        if (!RegularFiles.isPresent(file)) {
            throw new IOException(file + ": no such file");
        }
        try {
            JsonNode tree = ConfigLoader.JSON.readTree(file.toFile());
            if (!(tree instanceof ObjectNode)) {
                throw new IOException(file + ": expected a JSON object");
            }
            return ConfigLoader.JSON.treeToValue(tree, family(tree));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        } catch (JsonMappingException e) {
            throw new IOException(file + ": " + ConfigLoader.mappingProblem(e));
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": " + StrictJson.describe(e));
        }
    }

    /** A config from config.json's keys ({@code fields}), read as {@link #read} reads the file: the presets' way. */
    static LmConfig of(Map<String, ?> fields) {
        return ConfigLoader.fromFields("config", family(ConfigLoader.JSON.valueToTree(fields)), Map.of(), fields);
    }

    /** config.json's {@code model_type}: "opt" where it is absent or null, as old OPT configs are. */
    static String modelType(JsonNode tree) {
        JsonNode type = tree.get("model_type");
        return type == null || type.isNull() ? "opt" : type.asText();
    }

    /** The record of {@code tree}'s {@code model_type} (OPT where it is absent, as old OPT configs are). */
    private static Class<? extends LmConfig> family(JsonNode tree) {
        String modelType = modelType(tree);
        Class<? extends LmConfig> record = MODEL_TYPES.get(modelType);
        if (record == null) {
            throw new IllegalArgumentException("model_type '" + modelType + "' is not supported; expected one of "
                    + List.copyOf(MODEL_TYPES.keySet()));
        }
        return record;
    }

    /** {@code tree} plus HF's {@code architectures} and {@code torch_dtype}, as {@code save_pretrained} writes them. */
    static String json(LmConfig config, String architecture, String torchDtype) {
        try {
            ObjectNode tree = ConfigLoader.JSON.valueToTree(config);
            tree.putArray("architectures").add(architecture);
            tree.put("torch_dtype", torchDtype);
            return ConfigLoader.JSON.writeValueAsString(tree);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
