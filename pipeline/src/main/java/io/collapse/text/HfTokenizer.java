package io.collapse.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.config.StrictJson;
import io.collapse.io.Checksums;
import io.collapse.model.hf.CheckpointException;
import io.collapse.model.hf.TokenizerFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Any family's tokenizer.json, giving the ids of transformers 5.17's {@code AutoTokenizer}: the
 * tokenizer class is chosen as AutoTokenizer chooses it ({@link TokenizerClass#choose}), the file is
 * rewritten as that class's {@code __init__} rebuilds it, the special tokens come from the config
 * files over the class's defaults ({@link HfTokenizerConfig}), the post-processor is rebuilt from
 * {@code add_bos_token}/{@code add_eos_token} when the config sets either (Llama/TinyLlama add
 * {@code <s>}; GPT-2, Pythia, Qwen2 and SmolLM2 add nothing) and DJL's HuggingFace tokenizers runs
 * the result, encode and decode. Decoding never cleans up spaces for a BPE model, as in 5.17.
 * Immutable and thread-safe; the native handle is freed by DJL's cleaner.
 */
public final class HfTokenizer extends AbstractTokenizer {

    private final TokenizerClass tokenizerClass;
    private final HuggingFaceTokenizer engine;
    private final String paddingSide;
    private final boolean cleanUp;

    /** {@code json}: the tokenizer.json as rewritten. */
    private HfTokenizer(TokenizerFiles files, TokenizerClass tokenizerClass, Map<String, Integer> vocab, NamedTokens named,
            String paddingSide, boolean cleanUp, byte[] json) throws IOException {
        super(vocab, named.bos(), named.eos(), named.unk(), named.pad(), fingerprint(json, paddingSide, cleanUp));
        this.tokenizerClass = tokenizerClass;
        this.paddingSide = paddingSide;
        this.cleanUp = cleanUp;
        engine = djlTokenizer(files.source().resolve(TokenizerFiles.TOKENIZER_JSON), json);
    }

    /**
     * The tokenizer of a directory with a tokenizer.json; {@code modelType} is config.json's (null when none).
     * Its fingerprint is the sha256 over the tokenizer.json as rewritten (specials, post-processor
     * included), padding side and clean-up.
     */
    public static HfTokenizer fromFiles(TokenizerFiles files, String modelType) throws IOException {
        Path file = files.source().resolve(TokenizerFiles.TOKENIZER_JSON);
        Path configFile = files.source().resolve(TokenizerFiles.TOKENIZER_CONFIG_JSON);
        HfTokenizerConfig config = HfTokenizerConfig.read(files);
        TokenizerClass tokenizerClass = TokenizerClass.choose(config.tokenizerClass(), modelType);
        if (tokenizerClass == null) {
            throw new CheckpointException(configFile, "tokenizer_class '" + config.tokenizerClass()
                    + "' is not supported; expected one of " + Arrays.stream(TokenizerClass.values()).map(c -> c.hfName).toList()
                    + " or PreTrainedTokenizerFast");
        }
        ObjectNode root = (ObjectNode) files.tokenizerJson();
        if (tokenizerClass != TokenizerClass.BACKEND && !TokenizerClass.isBpe(root)) {
            throw new CheckpointException(file, "model.type is '" + root.path("model").path("type").asText()
                    + "'; " + tokenizerClass.hfName + " rebuilds a BPE");
        }
        boolean prefixSpace = config.addPrefixSpace() != null ? config.addPrefixSpace() : tokenizerClass.defaultAddPrefixSpace();
        tokenizerClass.rebuild(root, prefixSpace, Boolean.TRUE.equals(config.legacy()));
        NamedTokens d = tokenizerClass.defaults;
        NamedTokens named = new NamedTokens(config.token("bos_token", d.bos()), config.token("eos_token", d.eos()),
                config.token("unk_token", d.unk()), config.token("pad_token", d.pad()));
        Map<String, Integer> vocab = addedTokens(root, config, named, tokenizerClass != TokenizerClass.BACKEND);
        postProcessor(root, config, named.bos(), named.eos(), vocab);
        root.putNull("truncation");
        root.putNull("padding");
        String paddingSide = config.paddingSide() != null ? config.paddingSide() : tokenizerClass.paddingSide;
        boolean cleanUp = config.cleanUp() && (!TokenizerClass.isBpe(root) || config.cleanUpForBpe());
        return new HfTokenizer(files, tokenizerClass, files.tokenizerJsonVocab(root), named, paddingSide, cleanUp,
                StrictJson.MAPPER.writeValueAsBytes(root));
    }

    /**
     * The added tokens the class ends with: the config's added_tokens_decoder when the class rebuilds
     * and the config has one (the file's list is dropped), else the file's; then every named and
     * extra special token not yet there, as a special token with the id the vocabulary gives it, or
     * the next free id.
     *
     * @return the model vocabulary's token → id, for the post-processor's ids
     */
    private static Map<String, Integer> addedTokens(ObjectNode root, HfTokenizerConfig config, NamedTokens named,
            boolean rebuilt) {
        Map<String, Integer> vocab = TokenizerFiles.modelVocab(root);
        Map<String, JsonNode> fileAdded = new LinkedHashMap<>();
        root.path("added_tokens").forEach(t -> fileAdded.put(t.path("content").asText(), t));
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        // from_pretrained takes tokenizer.json's added_tokens as added_tokens_decoder when the config
        // has none (Pythia's runs of spaces, GPT-NeoX-20B's), so a rebuilding class keeps them too.
        if (!rebuilt || config.addedTokens() == null) {
            fileAdded.forEach((c, t) -> out.put(c, (ObjectNode) t.deepCopy()));
        }
        for (HfTokenizerConfig.AddedToken t : config.addedTokens() == null ? List.<HfTokenizerConfig.AddedToken>of() : config.addedTokens()) {
            out.putIfAbsent(t.content(), added(t.id(), t.content(), t.special(), t.normalized(), t.lstrip(), t.rstrip(), t.singleWord()));
        }
        List<String> specials = new ArrayList<>(named.all());
        specials.addAll(config.extraSpecial());
        int next = nextId(vocab, out); // kept up to date below: recounting per token made 40,000 quadratic
        for (String s : specials) {
            if (s == null) {
                continue;
            }
            ObjectNode t = out.get(s);
            if (t != null) {
                t.put("special", true);
                continue;
            }
            Integer id = vocab.containsKey(s) ? vocab.get(s) : fileAdded.containsKey(s) ? fileAdded.get(s).path("id").asInt() : null;
            // 5.17's __init__ adds a special token the files lack, as tokenizers' add_special_tokens
            // numbers it: after the model's vocabulary and every added token so far.
            int tokenId = id != null ? id : next;
            out.put(s, added(tokenId, s, true, false, false, false, false));
            next = Math.max(next, tokenId + 1);
        }
        ArrayNode list = root.putArray("added_tokens");
        out.values().stream().sorted((a, b) -> Integer.compare(a.get("id").asInt(), b.get("id").asInt())).forEach(list::add);
        return vocab;
    }

    private static int nextId(Map<String, Integer> vocab, Map<String, ObjectNode> added) {
        int next = vocab.size();
        for (ObjectNode t : added.values()) {
            next = Math.max(next, t.get("id").asInt() + 1);
        }
        return next;
    }

    /** An added_tokens entry of tokenizer.json, its fields in the order tokenizers writes them. */
    static ObjectNode added(int id, String content, boolean special, boolean normalized, boolean lstrip,
            boolean rstrip, boolean singleWord) {
        ObjectNode t = StrictJson.MAPPER.createObjectNode();
        t.put("id", id);
        t.put("content", content);
        t.put("single_word", singleWord);
        t.put("lstrip", lstrip);
        t.put("rstrip", rstrip);
        t.put("normalized", normalized);
        t.put("special", special);
        return t;
    }

    /**
     * HF's {@code update_post_processor}, run when the config sets add_bos_token or add_eos_token, or
     * the file has no post-processor: a template of bos (when added and defined), $A, eos (likewise).
     */
    private static void postProcessor(ObjectNode root, HfTokenizerConfig config, String bos, String eos,
            Map<String, Integer> vocab) {
        if (config.addBosToken() == null && config.addEosToken() == null && !root.path("post_processor").isNull()
                && !root.path("post_processor").isMissingNode()) {
            return;
        }
        boolean addBos = Boolean.TRUE.equals(config.addBosToken()) && bos != null;
        boolean addEos = Boolean.TRUE.equals(config.addEosToken()) && eos != null;
        ObjectNode post = StrictJson.MAPPER.createObjectNode();
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        template(single, 0, addBos ? bos : null, addEos ? eos : null);
        ArrayNode pair = post.putArray("pair");
        template(pair, 0, addBos ? bos : null, addEos ? eos : null);
        template(pair, 1, addBos ? bos : null, addEos ? eos : null);
        ObjectNode specials = post.putObject("special_tokens");
        for (String t : new String[] {addBos ? bos : null, addEos ? eos : null}) {
            if (t != null && !specials.has(t)) {
                ObjectNode s = specials.putObject(t);
                s.put("id", t);
                s.putArray("ids").add(vocab.containsKey(t) ? vocab.get(t) : idInAdded(root, t));
                s.putArray("tokens").add(t);
            }
        }
        root.set("post_processor", post);
    }

    /** [bos:typeId] $A or $B:typeId [eos:typeId], bos/eos null when not added. */
    private static void template(ArrayNode into, int typeId, String bos, String eos) {
        if (bos != null) {
            into.addObject().putObject("SpecialToken").put("id", bos).put("type_id", typeId);
        }
        into.addObject().putObject("Sequence").put("id", typeId == 0 ? "A" : "B").put("type_id", typeId);
        if (eos != null) {
            into.addObject().putObject("SpecialToken").put("id", eos).put("type_id", typeId);
        }
    }

    private static int idInAdded(ObjectNode root, String content) {
        for (JsonNode t : root.path("added_tokens")) {
            if (t.path("content").asText().equals(content)) {
                return t.path("id").asInt();
            }
        }
        throw new IllegalStateException("'" + content + "' has no id; addedTokens ran first and checks that");
    }

    /** sha256 over the rewritten tokenizer.json, then "\n" + padding side + "\n" + clean-up. */
    private static String fingerprint(byte[] json, String paddingSide, boolean cleanUp) {
        MessageDigest sha = Checksums.newSha256();
        sha.update(json);
        sha.update(("\n" + paddingSide + "\n" + cleanUp).getBytes(StandardCharsets.UTF_8));
        return Checksums.hex(sha);
    }

    @Override
    public int[] encode(String text) {
        return ints(engine.encode(text, true, false).getIds());
    }

    @Override
    public int[] encodeWithoutSpecial(String text) {
        return ints(engine.encode(text, false, false).getIds());
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            requireId(ids[i]);
            longs[i] = ids[i];
        }
        String text = engine.decode(longs, skipSpecialTokens);
        return cleanUp ? OptTokenizer.cleanUpTokenization(text) : text;
    }

    @Override
    public String paddingSide() {
        return paddingSide;
    }

    /** Which transformers class AutoTokenizer would use (e.g. "LlamaTokenizer"). */
    public String tokenizerClass() {
        return tokenizerClass.hfName;
    }
}
