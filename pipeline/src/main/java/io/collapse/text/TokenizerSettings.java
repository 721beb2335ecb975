package io.collapse.text;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * What {@code tokenizer_config.json} and {@code special_tokens_map.json} say, resolved; absent keys
 * take facebook/opt-125m's values (which differ from GPT2Tokenizer's class defaults).
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

    private static void requireToken(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(field + " must be a non-empty token, got " + (value == null ? "null" : "\"\""));
        }
    }
}
