package io.collapse.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.model.hf.CheckpointException;
import io.collapse.model.hf.TokenizerFiles;
import io.collapse.model.hf.TokenizerSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * OPT's tokenizer: GPT-2 byte-level BPE with OPT's vocabulary, behaving exactly like HF's slow
 * {@code GPT2Tokenizer} loaded from facebook/opt-125m (the paper's tokenizer):
 * <ul>
 *   <li>{@code </s>} (2) is prepended to every text, the empty one included ({@code encode("") = [2]});
 *   <li>only the special tokens named by the config ({@code </s>}, {@code <pad>} for OPT) are kept
 *       whole in text; a literal {@code <unk>}, {@code <s>} or {@code <mask>} is split by BPE;
 *   <li>decoding joins the byte-level tokens, decodes UTF-8 with {@code errors="replace"} and, by
 *       default, applies HF's {@code clean_up_tokenization} (so " ." becomes ".").
 * </ul>
 * Two layouts load: a {@code tokenizer.json} (HF fast format, run by DJL's HuggingFace tokenizers)
 * or {@code vocab.json} + {@code merges.txt} (facebook/opt-125m's layout, run by {@link ByteLevelBpe}
 * in Java: it gives the same ids as the slow tokenizer on every fixture and as DJL on every line of
 * wikitext-2, at ~1/15 of DJL's CPU time per line, because DJL's per-call JNI round trips dominate
 * short lines). Decoding is always done here, from the vocabulary, since HF's slow decode is the
 * contract. The files themselves (layouts, parsing, writing, fingerprint) are {@link TokenizerFiles}'.
 * Immutable and thread-safe; a DJL tokenizer's native handle is freed by DJL's cleaner.
 */
public final class OptTokenizer extends AbstractTokenizer {

    /** Inverse of {@link ByteLevelBpe#BYTE_TO_CHAR}: character → byte, -1 where none. */
    private static final int[] CHAR_TO_BYTE = charToByte();

    /** Text → ids, special tokens in text kept whole; {@code addSpecialTokens} adds the bos. */
    private interface Engine {
        int[] encode(String text, boolean addSpecialTokens);
    }

    private final Engine engine;
    private final TokenizerSettings settings;
    /** id → the bytes the token stands for. */
    private final byte[][] bytesById;
    private final boolean[] special;

    /**
     * {@code bpe}: the Java BPE for vocab.json + merges.txt, null for a tokenizer.json (DJL runs it);
     * {@code special}: by id, the tokens kept whole and skipped by {@code skipSpecialTokens}. The
     * fingerprint is the sha256 over the vocabulary files' bytes (tokenizer.json, or vocab.json +
     * merges.txt) and the settings.
     */
    private OptTokenizer(TokenizerFiles files, TokenizerSettings settings, Map<String, Integer> vocab, ByteLevelBpe bpe,
            boolean[] special) throws IOException {
        super(vocab, settings.bosToken(), settings.eosToken(), settings.unkToken(), settings.padToken(),
                files.fingerprint(settings));
        this.settings = settings;
        this.special = special;
        bytesById = new byte[tokenById.length][];
        for (int id = 0; id < tokenById.length; id++) {
            bytesById[id] = tokenBytes(tokenById[id]);
        }
        engine = bpe != null ? javaEngine(bpe, vocab)
                : djlEngine(files.source().resolve(TokenizerFiles.TOKENIZER_JSON), files.bytes(TokenizerFiles.TOKENIZER_JSON));
    }

    /** {@link #fromDir} on files already read ({@link AutoTokenizer} has them). */
    static OptTokenizer fromFiles(TokenizerFiles files) throws IOException {
        TokenizerSettings settings = files.settings(TokenizerSettings.OPT);
        List<String> modelFiles = files.modelFiles();
        Map<String, Integer> vocab;
        ByteLevelBpe bpe = null;
        if (modelFiles.contains(TokenizerFiles.TOKENIZER_JSON)) {
            JsonNode root = files.tokenizerJson();
            requireByteLevelBpe(files.source().resolve(TokenizerFiles.TOKENIZER_JSON), root);
            vocab = files.tokenizerJsonVocab(root);
        } else {
            vocab = files.vocabJson();
            try {
                ByteLevelBpe.requireByteTokens(vocab); // vocab.json's fault, not merges.txt's
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(files.source().resolve(TokenizerFiles.VOCAB_JSON), e.getMessage());
            }
            List<String[]> merges = files.merges();
            try {
                bpe = new ByteLevelBpe(vocab, merges);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(files.source().resolve(TokenizerFiles.MERGES_TXT), e.getMessage());
            }
        }
        // Every special token (bos, eos, unk and pad among them) must have an id.
        boolean[] special = new boolean[vocab.size()];
        Path config = files.source().resolve(TokenizerFiles.TOKENIZER_CONFIG_JSON);
        for (String token : settings.specialTokens()) {
            special[idOf(vocab, token, config)] = true;
        }
        return new OptTokenizer(files, settings, vocab, bpe, special);
    }

    /**
     * Loads the tokenizer of a model directory: {@code tokenizer.json} when present, otherwise
     * {@code vocab.json} + {@code merges.txt}; {@code tokenizer_config.json} and
     * {@code special_tokens_map.json}, when present, give the special tokens and flags (absent: OPT's).
     * With a tokenizer.json, its own pre-tokenizer and post-processor decide the prefix space and
     * the bos, as in HF's fast tokenizer; the config files still name the special ids.
     *
     * @throws CheckpointException naming the file and the problem when the files cannot be used
     */
    public static OptTokenizer fromDir(Path dir) throws IOException {
        return fromFiles(TokenizerFiles.read(dir));
    }

    /** facebook/opt-125m's tokenizer, bundled on the classpath; loaded once, then shared. */
    public static OptTokenizer embedded() {
        return Embedded.INSTANCE;
    }

    private static final class Embedded {
        static final OptTokenizer INSTANCE = load();

        private static OptTokenizer load() {
            try {
                return fromFiles(TokenizerFiles.bundled());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Ids of one text with the leading bos ({@code </s>} = 2 for OPT) when add_bos_token. */
    @Override
    public int[] encode(String text) {
        return engine.encode(text, true);
    }

    /** Ids of one text without the leading bos (HF's {@code add_special_tokens=False}). */
    @Override
    public int[] encodeWithoutSpecial(String text) {
        return engine.encode(text, false);
    }

    /** HF 4.35's {@code decode(ids, skip_special_tokens)}: clean-up as the config says (OPT: on). */
    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        return decode(ids, skipSpecialTokens, settings.cleanUpTokenizationSpaces());
    }

    /**
     * HF's slow {@code decode}: the tokens' bytes joined and decoded as UTF-8 with
     * {@code errors="replace"}, then optionally HF's {@code clean_up_tokenization}.
     *
     * @throws IllegalArgumentException naming the first id outside the vocabulary (OPT's embedding
     *                                  has rows 50265..50271 that no token owns; HF raises TypeError)
     */
    public String decode(int[] ids, boolean skipSpecialTokens, boolean cleanUpSpaces) {
        int length = 0;
        for (int id : ids) {
            requireId(id);
            length += bytesById[id].length;
        }
        byte[] bytes = new byte[length];
        int at = 0;
        for (int id : ids) {
            if (skipSpecialTokens && special[id]) {
                continue;
            }
            System.arraycopy(bytesById[id], 0, bytes, at, bytesById[id].length);
            at += bytesById[id].length;
        }
        String text = Utf8.decodeReplacing(bytes, at);
        return cleanUpSpaces ? cleanUpTokenization(text) : text;
    }

    /** HF's {@code clean_up_tokenization}, in its order (transformers 4.35). */
    static String cleanUpTokenization(String text) {
        return text.replace(" .", ".")
                .replace(" ?", "?")
                .replace(" !", "!")
                .replace(" ,", ",")
                .replace(" ' ", "'")
                .replace(" n't", "n't")
                .replace(" 'm", "'m")
                .replace(" 's", "'s")
                .replace(" 've", "'ve")
                .replace(" 're", "'re");
    }

    /** OPT's tokenizer_config.json says "left" (HF 4.35's slow tokenizer pads where it is told). */
    @Override
    public String paddingSide() {
        return "left";
    }

    public TokenizerSettings settings() {
        return settings;
    }

    // ---- encoding engines ----

    /** The Java BPE, with HF slow's handling of special tokens and add_prefix_space around it. */
    private Engine javaEngine(ByteLevelBpe bpe, Map<String, Integer> vocab) {
        List<String> whole = settings.specialTokens();
        int[] wholeIds = whole.stream().mapToInt(vocab::get).toArray();
        return (text, addSpecialTokens) -> {
            IntList out = new IntList();
            if (addSpecialTokens && settings.addBosToken()) {
                out.add(bosId());
            }
            String t = settings.addPrefixSpace() ? " " + text : text;
            int start = 0;
            while (start < t.length()) {
                // Earliest special token from start; at the same position the longest (HF's trie split).
                int at = -1;
                int which = -1;
                for (int k = 0; k < whole.size(); k++) {
                    int p = t.indexOf(whole.get(k), start);
                    if (p >= 0 && (at < 0 || p < at || (p == at && whole.get(k).length() > whole.get(which).length()))) {
                        at = p;
                        which = k;
                    }
                }
                if (at < 0) {
                    bpe.encode(t.substring(start), out);
                    break;
                }
                bpe.encode(t.substring(start, at), out);
                out.add(wholeIds[which]);
                start = at + whole.get(which).length();
            }
            return out.toArray();
        };
    }

    /** DJL's HuggingFace tokenizers on tokenizer.json ({@link #djlTokenizer}). */
    private static Engine djlEngine(Path file, byte[] json) throws IOException {
        HuggingFaceTokenizer hf = djlTokenizer(file, json);
        return (text, addSpecialTokens) -> ints(hf.encode(text, addSpecialTokens, false).getIds());
    }

    /** OPT's tokenizer is a byte-level BPE: decode maps byte-level characters back to bytes. */
    private static void requireByteLevelBpe(Path file, JsonNode root) throws CheckpointException {
        String modelType = root.path("model").path("type").asText("");
        String decoderType = root.path("decoder").path("type").asText("");
        if (!modelType.equals("BPE") || !decoderType.equals("ByteLevel")) {
            throw new CheckpointException(file, "model.type is '" + modelType + "' and decoder.type '" + decoderType
                    + "'; expected a byte-level BPE tokenizer ('BPE', 'ByteLevel') as OPT's");
        }
    }

    private static int idOf(Map<String, Integer> vocab, String token, Path config) throws CheckpointException {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new CheckpointException(config, "special token '" + token + "' is not in the vocabulary");
        }
        return id;
    }

    /** The bytes a token stands for: byte-level characters map back to bytes; others (added tokens) are UTF-8. */
    private static byte[] tokenBytes(String token) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); ) {
            int cp = token.codePointAt(i);
            int b = cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
            if (b >= 0) {
                out.write(b);
            } else {
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
            }
            i += Character.charCount(cp);
        }
        return out.toByteArray();
    }

    private static int[] charToByte() {
        int[] map = new int[512];
        Arrays.fill(map, -1);
        for (int b = 0; b < 256; b++) {
            map[ByteLevelBpe.BYTE_TO_CHAR[b]] = b;
        }
        return map;
    }
}
