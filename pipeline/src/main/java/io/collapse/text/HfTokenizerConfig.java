package io.collapse.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.config.StrictJson;
import io.collapse.model.hf.CheckpointException;
import io.collapse.model.hf.HfJson;
import io.collapse.model.hf.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * tokenizer_config.json and special_tokens_map.json as transformers 5.17's {@code from_pretrained}
 * merges them: special_tokens_map.json is read only when tokenizer_config.json has no
 * {@code added_tokens_decoder} (then its keys win); {@code additional_special_tokens} become the
 * extra special tokens. Absent keys stay absent (the class's defaults fill them), a JSON null is
 * "none" ({@code "bos_token": null} in Qwen2's config).
 *
 * @param tokenizerClass  {@code tokenizer_class}, or null
 * @param specialTokens   bos_token/eos_token/unk_token/pad_token → content; present with null = none
 * @param extraSpecial    additional special tokens, in order
 * @param addedTokens     {@code added_tokens_decoder} in id order; null when absent
 * @param addBosToken     null when the config does not say (then the file's post-processor stands)
 * @param addEosToken     as {@code addBosToken}
 * @param addPrefixSpace  null: the class's default
 * @param legacy          Llama's legacy flag; null: false (LlamaTokenizer's default)
 * @param paddingSide     "left"/"right", or null: the class's
 * @param cleanUp         {@code clean_up_tokenization_spaces} (default false)
 * @param cleanUpForBpe   5.17 ignores clean-up for BPE models unless this long-named flag is set
 */
record HfTokenizerConfig(String tokenizerClass, Map<String, String> specialTokens, List<String> extraSpecial,
        List<AddedToken> addedTokens, Boolean addBosToken, Boolean addEosToken, Boolean addPrefixSpace, Boolean legacy,
        String paddingSide, boolean cleanUp, boolean cleanUpForBpe) {

    static final List<String> NAMED = List.of("bos_token", "eos_token", "unk_token", "pad_token");

    /** One entry of {@code added_tokens_decoder}: tokenizers' AddedToken fields. */
    record AddedToken(int id, String content, boolean special, boolean normalized, boolean lstrip, boolean rstrip,
            boolean singleWord) { }

    static HfTokenizerConfig read(TokenizerFiles files) throws IOException {
        Path configFile = files.source().resolve(TokenizerFiles.TOKENIZER_CONFIG_JSON);
        JsonNode config = object(files, TokenizerFiles.TOKENIZER_CONFIG_JSON);
        Map<String, String> specials = new HashMap<>();
        Set<String> extras = new LinkedHashSet<>(); // in first-seen order, each once (a list's contains made 40,000 take 20 s)
        readSpecials(configFile, config, specials, extras);
        List<AddedToken> added = null;
        if (config.has("added_tokens_decoder")) {
            added = addedTokens(configFile, config.get("added_tokens_decoder"));
        } else {
            Path mapFile = files.source().resolve(TokenizerFiles.SPECIAL_TOKENS_MAP_JSON);
            readSpecials(mapFile, object(files, TokenizerFiles.SPECIAL_TOKENS_MAP_JSON), specials, extras);
        }
        String side = HfJson.text(configFile, config, "padding_side");
        if (side != null && !side.equals("left") && !side.equals("right")) {
            throw new CheckpointException(configFile, "padding_side is '" + side + "'; expected 'left' or 'right'");
        }
        return new HfTokenizerConfig(HfJson.text(configFile, config, "tokenizer_class"), specials, List.copyOf(extras), added,
                HfJson.flag(configFile, config, "add_bos_token"), HfJson.flag(configFile, config, "add_eos_token"),
                HfJson.flag(configFile, config, "add_prefix_space"), HfJson.flag(configFile, config, "legacy"), side,
                Boolean.TRUE.equals(HfJson.flag(configFile, config, "clean_up_tokenization_spaces")),
                Boolean.TRUE.equals(HfJson.flag(configFile, config,
                        "clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output")));
    }

    /** The token for {@code key} (e.g. "bos_token"): the config's, else {@code classDefault}; null = none. */
    String token(String key, String classDefault) {
        return specialTokens.containsKey(key) ? specialTokens.get(key) : classDefault;
    }

    private static JsonNode object(TokenizerFiles files, String name) throws IOException {
        if (!files.has(name)) {
            return StrictJson.MAPPER.createObjectNode();
        }
        return HfJson.object(files.source().resolve(name), files.bytes(name));
    }

    /** The named tokens and additional_special_tokens of one file, over what earlier files said. */
    private static void readSpecials(Path file, JsonNode root, Map<String, String> specials, Set<String> extras)
            throws CheckpointException {
        for (String key : NAMED) {
            if (root.has(key)) {
                specials.put(key, content(file, key, root.get(key)));
            }
        }
        for (String key : List.of("additional_special_tokens", "extra_special_tokens")) {
            JsonNode more = root.get(key);
            if (more != null && more.isArray()) {
                for (JsonNode t : more) {
                    String c = content(file, key, t);
                    if (c != null) {
                        extras.add(c);
                    }
                }
            }
        }
    }

    /** A token given as a string or an AddedToken object; null for JSON null. */
    private static String content(Path file, String key, JsonNode node) throws CheckpointException {
        if (node.isNull()) {
            return null;
        }
        if (node.isTextual() || (node.isObject() && node.path("content").isTextual())) {
            String c = node.isTextual() ? node.asText() : node.get("content").asText();
            if (!c.isEmpty()) {
                return c;
            }
        }
        throw new CheckpointException(file, key + " is " + node + "; expected a non-empty string or an object with 'content'");
    }

    private static List<AddedToken> addedTokens(Path file, JsonNode node) throws CheckpointException {
        if (!node.isObject()) {
            throw new CheckpointException(file, "added_tokens_decoder is " + node.getNodeType() + "; expected an object of id → token");
        }
        Map<Integer, AddedToken> byId = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw new CheckpointException(file, "added_tokens_decoder key '" + e.getKey() + "' is not a token id");
            }
            JsonNode t = e.getValue();
            String c = content(file, "added_tokens_decoder." + id, t);
            if (c == null) {
                throw new CheckpointException(file, "added_tokens_decoder." + id + " is null; expected a token");
            }
            byId.put(id, new AddedToken(id, c, t.path("special").asBoolean(false), t.path("normalized").asBoolean(false),
                    t.path("lstrip").asBoolean(false), t.path("rstrip").asBoolean(false), t.path("single_word").asBoolean(false)));
        }
        return List.copyOf(byId.values());
    }
}
