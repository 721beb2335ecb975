package io.collapse.model.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.config.StrictJson;
import io.collapse.io.AtomicFiles;
import io.collapse.io.Checksums;
import io.collapse.io.RegularFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The files of an HF tokenizer as {@code from_pretrained} reads them, kept as read (byte for byte)
 * with the directory they came from, and parsed on demand. Two layouts: {@code tokenizer.json} (HF's
 * fast format, any model type) or {@code vocab.json} + {@code merges.txt} (GPT-2's slow BPE, as the
 * facebook/opt-* repositories have), each with optional {@code tokenizer_config.json} and
 * {@code special_tokens_map.json}. What runs them is the tokenizer's business (text/).
 */
public final class TokenizerFiles {

    public static final String TOKENIZER_JSON = "tokenizer.json";
    public static final String VOCAB_JSON = "vocab.json";
    public static final String MERGES_TXT = "merges.txt";
    public static final String TOKENIZER_CONFIG_JSON = "tokenizer_config.json";
    public static final String SPECIAL_TOKENS_MAP_JSON = "special_tokens_map.json";

    /** The slow BPE layout: what facebook/opt-* repositories and the bundled tokenizer hold. */
    public static final List<String> BPE_LAYOUT = List.of(VOCAB_JSON, MERGES_TXT, TOKENIZER_CONFIG_JSON, SPECIAL_TOKENS_MAP_JSON);

    /** Every file a tokenizer may have, read and copied when present. */
    public static final List<String> ALL = Stream.concat(BPE_LAYOUT.stream(), Stream.of(TOKENIZER_JSON)).toList();

    /** OPT-125m's tokenizer, bundled on the classpath: every OPT size uses the same one. */
    public static final String BUNDLED_DIR = "/io/collapse/text/opt-125m/";

    private static final ObjectMapper JSON = StrictJson.MAPPER;

    private final Path source;
    /** Name → bytes, in {@link #ALL}'s order. */
    private final Map<String, byte[]> files;

    private TokenizerFiles(Path source, Map<String, byte[]> files) {
        this.source = source;
        this.files = Collections.unmodifiableMap(new LinkedHashMap<>(files));
    }

    /**
     * The files of {@link #ALL} that {@code dir} holds; whether they make a tokenizer is checked when
     * the vocabulary is read ({@link #vocab}).
     *
     * @throws CheckpointException when {@code dir} is not a directory
     */
    public static TokenizerFiles read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir, "not a directory; expected a tokenizer directory with "
                    + TOKENIZER_JSON + " or " + VOCAB_JSON + " + " + MERGES_TXT);
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : ALL) {
            Path file = dir.resolve(name);
            if (RegularFiles.isPresent(file)) {
                files.put(name, Files.readAllBytes(file));
            }
        }
        return new TokenizerFiles(dir, files);
    }

    /** facebook/opt-125m's files from the classpath ({@link #BUNDLED_DIR}), all of {@link #BPE_LAYOUT}. */
    public static TokenizerFiles bundled() throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : BPE_LAYOUT) {
            try (InputStream in = TokenizerFiles.class.getResourceAsStream(BUNDLED_DIR + name)) {
                if (in == null) {
                    throw new IllegalStateException("classpath resource " + BUNDLED_DIR + name
                            + " is missing; the build must bundle the opt-125m tokenizer");
                }
                files.put(name, in.readAllBytes());
            }
        }
        return new TokenizerFiles(Path.of("classpath", BUNDLED_DIR.split("/")), files);
    }

    private static volatile Integer bundledVocabSize; // see bundledVocabSize()

    /** The bundled tokenizer's token count, its vocab.json read once (a checkpoint may ask at every write). */
    public static int bundledVocabSize() throws IOException {
        Integer size = bundledVocabSize;
        if (size == null) {
            size = bundled().vocabJson().size();
            bundledVocabSize = size;
        }
        return size;
    }

    /** Where the files came from; error messages name {@code source/<file>}. */
    public Path source() {
        return source;
    }

    public boolean has(String name) {
        return files.containsKey(name);
    }

    /** The bytes of {@code name} as read; null when absent. */
    public byte[] bytes(String name) {
        return files.get(name);
    }

    /** Writes every file into {@code dir} (created if needed) byte for byte, each atomically. */
    public void writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            AtomicFiles.writeBytes(dir.resolve(e.getKey()), e.getValue());
        }
    }

    /** tokenizer_config.json, then special_tokens_map.json, resolved over {@code defaults} (see {@link TokenizerSettings#parse}). */
    public TokenizerSettings settings(TokenizerSettings defaults) throws IOException {
        Map<Path, byte[]> configs = new LinkedHashMap<>();
        for (String name : List.of(TOKENIZER_CONFIG_JSON, SPECIAL_TOKENS_MAP_JSON)) {
            if (has(name)) {
                configs.put(source.resolve(name), bytes(name));
            }
        }
        return TokenizerSettings.parse(defaults, configs);
    }

    /** True for the tokenizer.json layout, which wins when both are present (as in HF's fast tokenizer). */
    public boolean isTokenizerJson() {
        return has(TOKENIZER_JSON);
    }

    /**
     * The files that define the vocabulary and its rules: tokenizer.json, or vocab.json + merges.txt.
     *
     * @throws CheckpointException when there are neither
     */
    public List<String> modelFiles() throws CheckpointException {
        if (isTokenizerJson()) {
            return List.of(TOKENIZER_JSON);
        }
        if (has(VOCAB_JSON) && has(MERGES_TXT)) {
            return List.of(VOCAB_JSON, MERGES_TXT);
        }
        throw new CheckpointException(source, "no " + TOKENIZER_JSON + " and no " + VOCAB_JSON + " + "
                + MERGES_TXT + "; found " + files.keySet());
    }

    /** tokenizer.json parsed; its {@code model.type} says which engine can run it. */
    public JsonNode tokenizerJson() throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(bytes(TOKENIZER_JSON));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(source.resolve(TOKENIZER_JSON), StrictJson.describe(e));
        }
        if (!root.isObject()) { // an empty file reads as a missing node
            throw new CheckpointException(source.resolve(TOKENIZER_JSON), "expected a JSON object, got "
                    + (root.isMissingNode() ? "nothing" : root.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        return root;
    }

    /** vocab.json's token → id, ids exactly 0..n-1, each once. */
    public Map<String, Integer> vocabJson() throws IOException {
        Path file = source.resolve(VOCAB_JSON);
        Map<String, Integer> vocab;
        try {
            vocab = JSON.readValue(bytes(VOCAB_JSON), new TypeReference<LinkedHashMap<String, Integer>>() { });
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, "expected a JSON object of token → id: " + StrictJson.describe(e));
        }
        if (vocab == null || vocab.containsValue(null)) {
            throw new CheckpointException(file, "expected a JSON object of token → id, got null"
                    + (vocab == null ? "" : " as the id of '" + vocab.entrySet().stream().filter(e -> e.getValue() == null)
                            .findFirst().orElseThrow().getKey() + "'"));
        }
        requireDenseIds(file, vocab);
        return vocab;
    }

    /** tokenizer.json's token → id ({@code root} from {@link #tokenizerJson}): its model's vocab plus its added tokens. */
    public Map<String, Integer> tokenizerJsonVocab(JsonNode root) throws CheckpointException {
        Path file = source.resolve(TOKENIZER_JSON);
        var ids = root.path("model").path("vocab").fields();
        while (ids.hasNext()) {
            var e = ids.next();
            requireId(file, e.getKey(), e.getValue());
        }
        Map<String, Integer> vocab = modelVocab(root);
        for (JsonNode added : root.path("added_tokens")) {
            requireId(file, added.path("content").asText(), added.path("id"));
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

    /** tokenizer.json's {@code model.vocab} alone, token → id in the file's order (no added tokens, unchecked). */
    public static Map<String, Integer> modelVocab(JsonNode root) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        root.path("model").path("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        return vocab;
    }

    /** A token's id as JSON gives it: an int, not a fraction, text or a number past 2^31 that would wrap. */
    private static void requireId(Path file, String token, JsonNode id) throws CheckpointException {
        if (!id.isIntegralNumber() || !id.canConvertToInt()) {
            throw new CheckpointException(file, "token '" + token + "' has id " + (id.isMissingNode() ? "none" : id.toString())
                    + "; expected an integer id");
        }
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
    public List<String[]> merges() throws CheckpointException {
        Path file = source.resolve(MERGES_TXT);
        // Line ends \n or \r\n: HF's slow tokenizer splits each line on whitespace, so it reads both.
        String[] lines = new String(bytes(MERGES_TXT), StandardCharsets.UTF_8).split("\r?\n", -1);
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

    /** sha256 (hex) over the {@link #modelFiles}' names and bytes, then {@code settings}' text. */
    public String fingerprint(TokenizerSettings settings) throws CheckpointException {
        MessageDigest sha = Checksums.newSha256();
        for (String name : modelFiles()) {
            byte[] bytes = files.get(name);
            sha.update((name + "\n" + bytes.length + "\n").getBytes(StandardCharsets.UTF_8));
            sha.update(bytes);
        }
        sha.update(settings.toString().getBytes(StandardCharsets.UTF_8));
        return Checksums.hex(sha);
    }
}
