package io.collapse.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.config.StrictJson;
import io.collapse.io.AtomicFiles;
import io.collapse.io.Checksums;
import io.collapse.model.hf.CheckpointException;
import io.collapse.model.hf.HfModelDir;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
 * contract. Immutable and thread-safe; a DJL tokenizer's native handle is freed by DJL's cleaner.
 */
public final class OptTokenizer implements TextEncoder {

    public static final String TOKENIZER_JSON = "tokenizer.json";
    public static final String VOCAB_JSON = "vocab.json";
    public static final String MERGES_TXT = "merges.txt";
    public static final String TOKENIZER_CONFIG_JSON = "tokenizer_config.json";
    public static final String SPECIAL_TOKENS_MAP_JSON = "special_tokens_map.json";

    private static final String EMBEDDED_DIR = HfModelDir.BUNDLED_TOKENIZER;
    private static final ObjectMapper JSON = StrictJson.MAPPER;
    /** Inverse of {@link ByteLevelBpe#BYTE_TO_CHAR}: character → byte, -1 where none. */
    private static final int[] CHAR_TO_BYTE = charToByte();

    /** Text → ids, special tokens in text kept whole; {@code addSpecialTokens} adds the bos. */
    private interface Engine {
        int[] encode(String text, boolean addSpecialTokens);
    }

    private final Engine engine;
    private final TokenizerSettings settings;
    /** id → token string (byte-level characters, e.g. "Ġworld"). */
    private final String[] tokenById;
    /** id → the bytes the token stands for. */
    private final byte[][] bytesById;
    private final boolean[] special;
    private final int bosId;
    private final int eosId;
    private final int unkId;
    private final int padId;
    /** The files as read, by name, for {@link #writeTo}. */
    private final Map<String, byte[]> files;
    private final String fingerprint;

    private OptTokenizer(Path source, Map<String, byte[]> files) throws IOException {
        this.files = Map.copyOf(files);
        this.settings = readSettings(source, files);
        Map<String, Integer> vocab;
        List<String> modelFiles;
        ByteLevelBpe bpe = null;
        if (files.containsKey(TOKENIZER_JSON)) {
            vocab = tokenizerJsonVocab(source.resolve(TOKENIZER_JSON), files.get(TOKENIZER_JSON));
            modelFiles = List.of(TOKENIZER_JSON);
        } else if (files.containsKey(VOCAB_JSON) && files.containsKey(MERGES_TXT)) {
            vocab = readVocab(source.resolve(VOCAB_JSON), files.get(VOCAB_JSON));
            List<String[]> merges = readMerges(source.resolve(MERGES_TXT), files.get(MERGES_TXT));
            try {
                bpe = new ByteLevelBpe(vocab, merges);
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(source.resolve(MERGES_TXT), e.getMessage());
            }
            modelFiles = List.of(VOCAB_JSON, MERGES_TXT);
        } else {
            throw new CheckpointException(source, "no " + TOKENIZER_JSON + " and no " + VOCAB_JSON + " + "
                    + MERGES_TXT + "; found " + files.keySet());
        }
        tokenById = new String[vocab.size()];
        vocab.forEach((token, id) -> tokenById[id] = token);
        bytesById = new byte[tokenById.length][];
        for (int id = 0; id < tokenById.length; id++) {
            bytesById[id] = tokenBytes(tokenById[id]);
        }
        special = new boolean[tokenById.length];
        Path config = source.resolve(TOKENIZER_CONFIG_JSON);
        for (String token : settings.specialTokens()) {
            special[idOf(vocab, token, config)] = true;
        }
        bosId = idOf(vocab, settings.bosToken(), config);
        eosId = idOf(vocab, settings.eosToken(), config);
        unkId = idOf(vocab, settings.unkToken(), config);
        padId = idOf(vocab, settings.padToken(), config);
        engine = bpe != null ? javaEngine(bpe, vocab)
                : djlEngine(source.resolve(TOKENIZER_JSON), files.get(TOKENIZER_JSON));
        fingerprint = fingerprint(modelFiles, files, settings);
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
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir, "not a directory; expected a tokenizer directory with "
                    + TOKENIZER_JSON + " or " + VOCAB_JSON + " + " + MERGES_TXT);
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : HfModelDir.TOKENIZER_FILES) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                files.put(name, Files.readAllBytes(file));
            }
        }
        return new OptTokenizer(dir, files);
    }

    /** facebook/opt-125m's tokenizer, bundled on the classpath; loaded once, then shared. */
    public static OptTokenizer embedded() {
        return Embedded.INSTANCE;
    }

    private static final class Embedded {
        static final OptTokenizer INSTANCE = load();

        private static OptTokenizer load() {
            Map<String, byte[]> files = new LinkedHashMap<>();
            try {
                for (String name : List.of(VOCAB_JSON, MERGES_TXT, TOKENIZER_CONFIG_JSON, SPECIAL_TOKENS_MAP_JSON)) {
                    try (InputStream in = OptTokenizer.class.getResourceAsStream(EMBEDDED_DIR + name)) {
                        if (in == null) {
                            throw new IllegalStateException("classpath resource " + EMBEDDED_DIR + name
                                    + " is missing; the build must bundle the opt-125m tokenizer");
                        }
                        files.put(name, in.readAllBytes());
                    }
                }
                return new OptTokenizer(Path.of("classpath", EMBEDDED_DIR.split("/")), files);
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
    public int[] encodeWithoutSpecial(String text) {
        return engine.encode(text, false);
    }

    /** The token strings of {@link #encodeWithoutSpecial} (byte-level characters: "Ġworld"). */
    public List<String> tokens(String text) {
        int[] ids = encodeWithoutSpecial(text);
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(tokenById[id]);
        }
        return out;
    }

    /** HF's {@code decode(ids)} defaults: special tokens kept, clean-up as the config says (OPT: on). */
    public String decode(int[] ids) {
        return decode(ids, false, settings.cleanUpTokenizationSpaces());
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
            if (id < 0 || id >= tokenById.length) {
                throw new IllegalArgumentException("token id " + id + " is not in the tokenizer's vocabulary (ids 0.."
                        + (tokenById.length - 1) + "); the model's embedding may have more rows than the vocabulary");
            }
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

    /** Left-pads to the longest sequence with {@link #padId()}, as HF's {@code padding=True} for OPT. */
    public PaddedBatch leftPad(List<int[]> seqs) {
        int width = 0;
        for (int[] s : seqs) {
            width = Math.max(width, s.length);
        }
        int[][] ids = new int[seqs.size()][width];      // (B, T)
        int[][] mask = new int[seqs.size()][width];     // (B, T)
        for (int b = 0; b < seqs.size(); b++) {
            int[] s = seqs.get(b);
            int pads = width - s.length;
            Arrays.fill(ids[b], 0, pads, padId);
            System.arraycopy(s, 0, ids[b], pads, s.length);
            Arrays.fill(mask[b], pads, width, 1);
        }
        return new PaddedBatch(ids, mask);
    }

    /** Number of tokens with an id (HF's {@code len(tokenizer)}: 50265 for OPT, below the model's 50272). */
    public int vocabSize() {
        return tokenById.length;
    }

    public int padId() {
        return padId;
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    public int unkId() {
        return unkId;
    }

    /** The token string of one id (HF's {@code convert_ids_to_tokens}), e.g. "Ġworld". */
    public String token(int id) {
        if (id < 0 || id >= tokenById.length) {
            throw new IllegalArgumentException("token id " + id + " is not in the tokenizer's vocabulary (ids 0.."
                    + (tokenById.length - 1) + ")");
        }
        return tokenById[id];
    }

    public TokenizerSettings settings() {
        return settings;
    }

    /** sha256 (hex) over the vocabulary files' bytes (tokenizer.json, or vocab.json + merges.txt) and the settings. */
    @Override
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * Writes the tokenizer files into {@code dir} (created if needed), so a saved model directory
     * carries its tokenizer: the files it was loaded from byte for byte, and a
     * {@code tokenizer_config.json} / {@code special_tokens_map.json} made from the settings where
     * the source had none. Each file is written atomically.
     */
    public void writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, byte[]> out = new LinkedHashMap<>(files);
        out.putIfAbsent(TOKENIZER_CONFIG_JSON, configJson());
        out.putIfAbsent(SPECIAL_TOKENS_MAP_JSON, specialTokensMapJson());
        for (Map.Entry<String, byte[]> e : out.entrySet()) {
            AtomicFiles.writeBytes(dir.resolve(e.getKey()), e.getValue());
        }
    }

    // ---- encoding engines ----

    /** The Java BPE, with HF slow's handling of special tokens and add_prefix_space around it. */
    private Engine javaEngine(ByteLevelBpe bpe, Map<String, Integer> vocab) {
        List<String> whole = settings.specialTokens();
        int[] wholeIds = whole.stream().mapToInt(vocab::get).toArray();
        return (text, addSpecialTokens) -> {
            IntList out = new IntList();
            if (addSpecialTokens && settings.addBosToken()) {
                out.add(bosId);
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

    /** DJL's HuggingFace tokenizers on tokenizer.json; truncation and padding off (DJL truncates at 512 by default). */
    private static Engine djlEngine(Path file, byte[] json) throws IOException {
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json),
                    Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false"));
        } catch (RuntimeException e) {
            throw new CheckpointException(file, "HuggingFace tokenizers cannot load it: " + e.getMessage());
        }
        return (text, addSpecialTokens) -> {
            long[] ids = hf.encode(text, addSpecialTokens, false).getIds();
            int[] out = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                out[i] = Math.toIntExact(ids[i]);
            }
            return out;
        };
    }

    // ---- reading the files ----

    private static Map<String, Integer> readVocab(Path file, byte[] bytes) throws IOException {
        Map<String, Integer> vocab;
        try {
            vocab = JSON.readValue(bytes, new TypeReference<LinkedHashMap<String, Integer>>() { });
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, "expected a JSON object of token → id: " + StrictJson.describe(e));
        }
        requireDenseIds(file, vocab);
        return vocab;
    }

    /** The vocabulary of a tokenizer.json: its BPE model's vocab plus its added tokens. */
    private static Map<String, Integer> tokenizerJsonVocab(Path file, byte[] bytes) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, StrictJson.describe(e));
        }
        String modelType = root.path("model").path("type").asText("");
        String decoderType = root.path("decoder").path("type").asText("");
        if (!modelType.equals("BPE") || !decoderType.equals("ByteLevel")) {
            throw new CheckpointException(file, "model.type is '" + modelType + "' and decoder.type '" + decoderType
                    + "'; expected a byte-level BPE tokenizer ('BPE', 'ByteLevel') as OPT's");
        }
        Map<String, Integer> vocab = new LinkedHashMap<>();
        root.path("model").path("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        for (JsonNode added : root.path("added_tokens")) {
            String content = added.path("content").asText();
            int id = added.path("id").asInt();
            Integer existing = vocab.putIfAbsent(content, id);
            if (existing != null && existing != id) {
                throw new CheckpointException(file, "added token '" + content + "' has id " + id
                        + " but the model vocab gives it " + existing);
            }
        }
        requireDenseIds(file, vocab);
        return vocab;
    }

    /** Ids must be exactly 0..n-1, each once, so id → token is an array and decode is total below n. */
    private static void requireDenseIds(Path file, Map<String, Integer> vocab) throws CheckpointException {
        boolean[] seen = new boolean[vocab.size()];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int id = e.getValue();
            if (id < 0 || id >= seen.length || seen[id]) {
                throw new CheckpointException(file, "token '" + e.getKey() + "' has id " + id + "; expected each id 0.."
                        + (seen.length - 1) + " exactly once");
            }
            seen[id] = true;
        }
    }

    /** merges.txt: an optional "#version" line, then one "left right" pair per line in rank order. */
    private static List<String[]> readMerges(Path file, byte[] bytes) throws CheckpointException {
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        List<String[]> merges = new ArrayList<>(lines.length);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            String[] pair = line.split(" ", -1);
            if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw new CheckpointException(file, "line " + (i + 1) + " is '" + line
                        + "'; expected two tokens separated by one space");
            }
            merges.add(pair);
        }
        if (merges.isEmpty()) {
            throw new CheckpointException(file, "has no merges; expected one \"left right\" pair per line (OPT's has 50,000)");
        }
        return merges;
    }

    /**
     * tokenizer_config.json, then special_tokens_map.json over it (HF's from_pretrained order);
     * absent keys keep OPT's values.
     */
    private static TokenizerSettings readSettings(Path source, Map<String, byte[]> files) throws IOException {
        TokenizerSettings opt = TokenizerSettings.OPT;
        String[] tokens = {opt.bosToken(), opt.eosToken(), opt.unkToken(), opt.padToken()};
        String[] keys = {"bos_token", "eos_token", "unk_token", "pad_token"};
        Map<String, String> extras = new TreeMap<>(); // mask/sep/cls by key, then additional ones
        List<String> additional = new ArrayList<>();
        boolean addBos = opt.addBosToken();
        boolean prefixSpace = opt.addPrefixSpace();
        boolean cleanUp = opt.cleanUpTokenizationSpaces();
        for (String name : List.of(TOKENIZER_CONFIG_JSON, SPECIAL_TOKENS_MAP_JSON)) {
            if (!files.containsKey(name)) {
                continue;
            }
            Path file = source.resolve(name);
            JsonNode root;
            try {
                root = JSON.readTree(files.get(name));
            } catch (JsonProcessingException e) {
                throw new CheckpointException(file, StrictJson.describe(e));
            }
            if (!root.isObject()) {
                throw new CheckpointException(file, "expected a JSON object");
            }
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
        if (node.isTextual()) {
            return node.asText();
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
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return current;
        }
        if (!v.isBoolean()) {
            throw new CheckpointException(file, key + " is " + v + "; expected true or false");
        }
        return v.asBoolean();
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

    // ---- writing ----

    private byte[] configJson() throws JsonProcessingException {
        ObjectNode root = specialTokensNode();
        root.put("add_bos_token", settings.addBosToken());
        root.put("add_prefix_space", settings.addPrefixSpace());
        root.put("clean_up_tokenization_spaces", settings.cleanUpTokenizationSpaces());
        root.put("errors", "replace");
        root.put("padding_side", "left");
        root.put("tokenizer_class", "GPT2Tokenizer");
        return JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(root);
    }

    private byte[] specialTokensMapJson() throws JsonProcessingException {
        return JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(specialTokensNode());
    }

    private ObjectNode specialTokensNode() {
        ObjectNode root = JSON.createObjectNode();
        root.put("bos_token", settings.bosToken());
        root.put("eos_token", settings.eosToken());
        root.put("unk_token", settings.unkToken());
        root.put("pad_token", settings.padToken());
        if (!settings.extraSpecialTokens().isEmpty()) {
            settings.extraSpecialTokens().forEach(root.putArray("additional_special_tokens")::add);
        }
        return root;
    }

    private static String fingerprint(List<String> modelFiles, Map<String, byte[]> files, TokenizerSettings settings) {
        MessageDigest sha = Checksums.newSha256();
        for (String name : modelFiles) {
            byte[] bytes = files.get(name);
            sha.update((name + "\n" + bytes.length + "\n").getBytes(StandardCharsets.UTF_8));
            sha.update(bytes);
        }
        sha.update(settings.toString().getBytes(StandardCharsets.UTF_8));
        return Checksums.hex(sha);
    }
}
