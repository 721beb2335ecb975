package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

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

    /**
     * A repeated eos id counts once: in transformers it only widens beam search's candidates (until
     * torch's topk fails), so each id once decodes the same, and a long list costs no more than its ids.
     */
    public SpecialTokens {
        eosTokenIds = List.copyOf(new LinkedHashSet<>(eosTokenIds));
        if (eosTokenIds.stream().anyMatch(id -> id < 0) || (padTokenId != null && padTokenId < 0)) {
            throw new IllegalArgumentException("special token ids must be >= 0, got eos " + eosTokenIds + ", pad " + padTokenId);
        }
    }

    /** generation_config.json's two fields that matter here, read as config.json's are; the rest is the run's to say. */
    @HfConfigJson
    private record GenerationConfigFile(
            @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<Integer> eosTokenId,
            Integer padTokenId) {}

    /** config.json's. */
    public static SpecialTokens of(LmConfig config) {
        return new SpecialTokens(config.eosTokenIds(), config.padTokenId());
    }

    /** A generation_config.json's eos_token_id (one id or a list) and pad_token_id; errors name the file and field. */
    public static SpecialTokens read(Path file, int vocabSize) throws IOException {
        GenerationConfigFile f;
        try {
            f = ConfigLoader.JSON.readValue(file.toFile(), GenerationConfigFile.class);
        } catch (JsonMappingException e) {
            throw new IOException(file + ": " + ConfigLoader.mappingProblem(e));
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": " + StrictJson.describe(e));
        }
        if (f == null) {
            throw new IOException(file + ": expected an object, got null");
        }
        List<Integer> eos = f.eosTokenId() == null ? List.of() : f.eosTokenId();
        if ((f.eosTokenId() != null && eos.isEmpty()) || eos.stream().anyMatch(Objects::isNull)) {
            throw new IOException(file + ": eos_token_id " + eos + ": expected a token id or a list of them");
        }
        try {
            Check.specialTokenIds(vocabSize, eos.toArray(Integer[]::new));
            Check.specialTokenIds(vocabSize, f.padTokenId());
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
        return new SpecialTokens(eos, f.padTokenId());
    }

    /**
     * The id that pads batches and finished rows: the pad id, else the first eos (HF generate's
     * rule); empty with neither, where generation ends no row early and so pads none.
     */
    public OptionalInt padOrEos() {
        if (padTokenId != null) {
            return OptionalInt.of(padTokenId);
        }
        return eosTokenIds.isEmpty() ? OptionalInt.empty() : OptionalInt.of(eosTokenIds.get(0));
    }
}
