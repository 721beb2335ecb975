package io.collapse.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ids that end generated rows and pad them, as transformers' {@code generate} takes them: from
 * the model's {@code generation_config.json} where it has one (HF's {@code model.generation_config}),
 * else from config.json. Such a file without {@code eos_token_id} has no eos: transformers then
 * generates every row to max_new_tokens, whatever config.json says.
 *
 * @param eosTokenIds every id that ends a row, in order; empty for none
 * @param padTokenId the pad id; null for none (rows are then padded with the first eos id)
 */
public record SpecialTokens(List<Integer> eosTokenIds, Integer padTokenId) {

    public SpecialTokens {
        eosTokenIds = List.copyOf(eosTokenIds);
    }

    /** config.json's. */
    public static SpecialTokens of(LmConfig config) {
        return new SpecialTokens(config.eosTokenIds(), config.padTokenId());
    }

    /** A generation_config.json's eos_token_id (one id or a list) and pad_token_id; errors name the file and field. */
    public static SpecialTokens read(Path file, int vocabSize) throws IOException {
        JsonNode root;
        try {
            root = ConfigLoader.JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": " + StrictJson.describe(e));
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": expected a JSON object");
        }
        JsonNode eos = root.path("eos_token_id");
        List<JsonNode> ids = new ArrayList<>();
        if (eos.isArray()) {
            eos.forEach(ids::add);
        } else if (!eos.isMissingNode() && !eos.isNull()) {
            ids.add(eos);
        }
        if (eos.isArray() && ids.isEmpty()) {
            throw new IOException(file + ": eos_token_id []: expected a token id or a list of them");
        }
        List<Integer> eosIds = new ArrayList<>();
        for (JsonNode id : ids) {
            eosIds.add(tokenId(file, "eos_token_id", id, vocabSize));
        }
        JsonNode pad = root.path("pad_token_id");
        return new SpecialTokens(eosIds, pad.isMissingNode() || pad.isNull() ? null : tokenId(file, "pad_token_id", pad, vocabSize));
    }

    private static int tokenId(Path file, String field, JsonNode id, int vocabSize) throws IOException {
        if (!id.canConvertToExactIntegral() || !id.canConvertToInt() || id.intValue() < 0 || id.intValue() >= vocabSize) {
            throw new IOException(file + ": " + field + " " + id + ": expected a token id in [0, vocab_size=" + vocabSize + ")");
        }
        return id.intValue();
    }

    /** The id that pads batches and finished rows: the pad id, else the first eos (HF generate's rule). */
    public int padOrEos() {
        if (padTokenId != null) {
            return padTokenId;
        }
        if (eosTokenIds.isEmpty()) {
            throw new IllegalArgumentException("config: the model has neither pad_token_id nor eos_token_id");
        }
        return eosTokenIds.get(0);
    }
}
