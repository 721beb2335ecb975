package io.collapse.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code tokenizer_config.json} and {@code special_tokens_map.json} say, resolved over defaults
 * (for OPT, {@link #OPT}: facebook/opt-125m's values, which differ from GPT2Tokenizer's class
 * defaults). {@link #parse} reads the two files.
 *
 * @param bosToken                   prepended to every text when {@code addBosToken}
 * @param eosToken                   end of sequence (OPT: the same {@code </s>} as bos)
 * @param unkToken                   OPT's config says {@code </s>}, not {@code <unk>}
 * @param padToken                   left padding in batches
 * @param extraSpecialTokens         mask/sep/cls and additional_special_tokens: never split, skipped
 *                                   by {@code skipSpecialTokens}; empty for OPT
 * @param addBosToken                OPT: true, so even "" encodes to {@code [2]}
 * @param addPrefixSpace             true puts a space before the text, as GPT2Tokenizer does
 * @param cleanUpTokenizationSpaces  the default of {@code decode}'s clean-up (HF 4.35: true)
 */
public record TokenizerSettings(
        String bosToken,
        String eosToken,
        String unkToken,
        String padToken,
        List<String> extraSpecialTokens,
        boolean addBosToken,
        boolean addPrefixSpace,
        boolean cleanUpTokenizationSpaces) {

    /** facebook/opt-125m's tokenizer_config.json. */
    public static final TokenizerSettings OPT = new TokenizerSettings(
            "</s>", "</s>", "</s>", "<pad>", List.of(), true, false, true);

    public TokenizerSettings {
        requireToken("bos_token", bosToken);
        requireToken("eos_token", eosToken);
        requireToken("unk_token", unkToken);
        requireToken("pad_token", padToken);
        extraSpecialTokens = List.copyOf(extraSpecialTokens);
        for (String t : extraSpecialTokens) {
            requireToken("additional special token", t);
        }
    }

    /** The distinct special token strings, in the order bos, eos, unk, pad, extras. */
    public List<String> specialTokens() {
        LinkedHashSet<String> all = new LinkedHashSet<>(List.of(bosToken, eosToken, unkToken, padToken));
        all.addAll(extraSpecialTokens);
        return Collections.unmodifiableList(new ArrayList<>(all));
    }

    /**
     * tokenizer_config.json, then special_tokens_map.json over it (HF's from_pretrained order), each
     * given by path and bytes in {@code configs}; keys they lack keep the tokens and flags of {@code defaults}.
     *
     * @throws CheckpointException naming the file and the key that cannot be used
     */
    public static TokenizerSettings parse(TokenizerSettings defaults, Map<Path, byte[]> configs) throws IOException {
        String[] tokens = {defaults.bosToken(), defaults.eosToken(), defaults.unkToken(), defaults.padToken()};
        String[] keys = {"bos_token", "eos_token", "unk_token", "pad_token"};
        Map<String, String> extras = new TreeMap<>(); // mask/sep/cls by key, then additional ones
        List<String> additional = new ArrayList<>();
        boolean addBos = defaults.addBosToken();
        boolean prefixSpace = defaults.addPrefixSpace();
        boolean cleanUp = defaults.cleanUpTokenizationSpaces();
        for (Map.Entry<Path, byte[]> config : configs.entrySet()) {
            Path file = config.getKey();
            JsonNode root = HfJson.object(file, config.getValue());
            for (int k = 0; k < keys.length; k++) {
                String t = tokenContent(file, keys[k], root.get(keys[k]));
                tokens[k] = t == null ? tokens[k] : t;
            }
            for (String key : List.of("cls_token", "mask_token", "sep_token")) {
                String t = tokenContent(file, key, root.get(key));
                if (t != null) {
                    extras.put(key, t);
                }
            }
            JsonNode more = root.get("additional_special_tokens");
            if (more != null && more.isArray()) {
                additional.clear();
                for (JsonNode t : more) {
                    additional.add(tokenContent(file, "additional_special_tokens", t));
                }
            }
            addBos = flag(file, root, "add_bos_token", addBos);
            prefixSpace = flag(file, root, "add_prefix_space", prefixSpace);
            cleanUp = flag(file, root, "clean_up_tokenization_spaces", cleanUp);
            JsonNode errors = root.get("errors");
            if (errors != null && !errors.asText().equals("replace")) {
                throw new CheckpointException(file, "errors is '" + errors.asText()
                        + "'; only 'replace' (OPT's) is implemented");
            }
        }
        List<String> extraSpecial = new ArrayList<>(extras.values());
        extraSpecial.addAll(additional);
        return new TokenizerSettings(tokens[0], tokens[1], tokens[2], tokens[3], extraSpecial, addBos, prefixSpace, cleanUp);
    }

    /** A special token given as a string or as an AddedToken object; null when absent or null. */
    private static String tokenContent(Path file, String key, JsonNode node) throws CheckpointException {
        if (node == null || node.isNull()) {
            return null;
        }
        String content = node.isTextual() ? node.asText() : node.path("content").asText();
        if ((node.isTextual() || node.path("content").isTextual()) && content.isEmpty()) {
            throw new CheckpointException(file, key + " is \"\"; expected a non-empty token");
        }
        if (node.isTextual()) {
            return content;
        }
        if (node.isObject() && node.path("content").isTextual()) {
            for (String flag : List.of("lstrip", "rstrip", "single_word")) {
                if (node.path(flag).asBoolean(false)) {
                    throw new CheckpointException(file, key + " '" + node.path("content").asText() + "' has " + flag
                            + "=true; only tokens without stripping or single_word (as OPT's) are implemented");
                }
            }
            return node.path("content").asText();
        }
        throw new CheckpointException(file, key + " is " + node + "; expected a string or an object with 'content'");
    }

    private static boolean flag(Path file, JsonNode root, String key, boolean current) throws CheckpointException {
        Boolean v = HfJson.flag(file, root, key);
        return v != null ? v : current;
    }

    private static void requireToken(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(field + " must be a non-empty token, got " + (value == null ? "null" : "\"\""));
        }
    }
}
