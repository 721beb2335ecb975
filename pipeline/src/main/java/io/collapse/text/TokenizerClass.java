package io.collapse.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The transformers 5.17 tokenizer classes our families use, with what each one's {@code __init__}
 * does to a tokenizer.json: every class but {@link #BACKEND} keeps only the file's vocab, merges and
 * post-processor and builds its own BPE flags, normalizer, pre-tokenizer and decoder
 * ({@code TokenizersBackend.convert_to_native_format}); so what AutoTokenizer runs can differ from
 * the file (e.g. Llama's Metaspace "first" instead of the file's Prepend normalizer, which keeps
 * "▁" off the text after a special token).
 *
 * @param hfName      the class name in tokenizer_config.json (without "Fast")
 * @param defaults    the class's special tokens for absent keys
 * @param paddingSide the class attribute ("left" only for LlamaTokenizer)
 */
enum TokenizerClass {
    GPT2("GPT2Tokenizer", new NamedTokens("<|endoftext|>", "<|endoftext|>", "<|endoftext|>", null), "right"),
    LLAMA("LlamaTokenizer", new NamedTokens("<s>", "</s>", "<unk>", null), "left"),
    QWEN2("Qwen2Tokenizer", new NamedTokens(null, "<|endoftext|>", "<|endoftext|>", "<|endoftext|>"), "right"),
    GPT_NEOX("GPTNeoXTokenizer", new NamedTokens("<|endoftext|>", "<|endoftext|>", "<|endoftext|>", "<|padding|>"), "right"),
    /** PreTrainedTokenizerFast / TokenizersBackend: tokenizer.json as it is (Llama 3.x). */
    BACKEND("TokenizersBackend", new NamedTokens(null, null, null, null), "right");

    /** Qwen2's pre-tokenizer split, as Qwen2Tokenizer writes it. */
    static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
            + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    /** AutoTokenizer's TOKENIZER_MAPPING_NAMES for config.json's model_type (llama has no entry: TokenizersBackend). */
    private static final Map<String, TokenizerClass> BY_MODEL_TYPE = Map.of(
            "gpt2", GPT2, "gpt_neox", GPT_NEOX, "qwen2", QWEN2, "opt", GPT2);

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    final String hfName;
    final NamedTokens defaults;
    final String paddingSide;

    TokenizerClass(String hfName, NamedTokens defaults, String paddingSide) {
        this.hfName = hfName;
        this.defaults = defaults;
        this.paddingSide = paddingSide;
    }

    /**
     * AutoTokenizer's choice: tokenizer_config.json's {@code tokenizer_class}, unless config.json's
     * model_type has a registered class and is one whose Hub class is known wrong (qwen2); without a
     * class name, the model_type's class, else TokenizersBackend.
     *
     * @return null when the named class is none of ours
     */
    static TokenizerClass choose(String configClass, String modelType) {
        TokenizerClass registered = modelType == null ? null : BY_MODEL_TYPE.get(modelType);
        if (configClass == null) {
            return registered == null ? BACKEND : registered;
        }
        if (registered != null && modelType.equals("qwen2")) {
            return registered;
        }
        String name = configClass.endsWith("Fast") && !configClass.equals("PreTrainedTokenizerFast")
                ? configClass.substring(0, configClass.length() - 4) : configClass;
        if (name.equals("PreTrainedTokenizerFast")) {
            return BACKEND;
        }
        for (TokenizerClass c : values()) {
            if (c.hfName.equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** The class's {@code add_prefix_space} when the config has none (Llama: true, then Metaspace prepends "▁"). */
    boolean defaultAddPrefixSpace() {
        return this == LLAMA;
    }

    /**
     * Rewrites {@code root} (a parsed tokenizer.json) the way this class's {@code __init__} rebuilds
     * it: the BPE's flags, normalizer, pre-tokenizer, decoder. {@link #BACKEND} leaves it alone.
     *
     * @param legacy Llama's {@code legacy} (prepend "▁" to every piece, not only the first)
     */
    void rebuild(ObjectNode root, boolean addPrefixSpace, boolean legacy) {
        if (this == BACKEND) {
            return;
        }
        ObjectNode model = (ObjectNode) root.get("model");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("fuse_unk", this == LLAMA);
        model.put("byte_fallback", this == LLAMA);
        if (this == LLAMA) {
            model.putNull("continuing_subword_prefix");
            model.putNull("end_of_word_suffix");
        } else {
            model.put("continuing_subword_prefix", "");
            model.put("end_of_word_suffix", "");
        }
        root.set("normalizer", this == QWEN2 || this == GPT_NEOX ? type("NFC") : NODES.nullNode());
        switch (this) {
            case GPT2, GPT_NEOX -> root.set("pre_tokenizer", byteLevel(addPrefixSpace, true));
            case QWEN2 -> {
                ObjectNode split = type("Split");
                split.putObject("pattern").put("Regex", QWEN2_REGEX);
                split.put("behavior", "Isolated");
                split.put("invert", false);
                ObjectNode seq = type("Sequence");
                seq.putArray("pretokenizers").add(split).add(byteLevel(addPrefixSpace, false));
                root.set("pre_tokenizer", seq);
            }
            default -> {
                ObjectNode meta = type("Metaspace");
                meta.put("replacement", "▁");
                meta.put("prepend_scheme", !addPrefixSpace ? "never" : legacy ? "always" : "first");
                meta.put("split", false);
                root.set("pre_tokenizer", meta);
            }
        }
        root.set("decoder", this == LLAMA ? llamaDecoder(addPrefixSpace) : byteLevel(true, true));
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean useRegex) {
        ObjectNode b = type("ByteLevel");
        b.put("add_prefix_space", addPrefixSpace);
        b.put("trim_offsets", true);
        b.put("use_regex", useRegex);
        return b;
    }

    /** Replace("▁", " "), ByteFallback, Fuse, and Strip of one leading space when a prefix space was added. */
    private static ObjectNode llamaDecoder(boolean addPrefixSpace) {
        ObjectNode seq = type("Sequence");
        ArrayNode steps = seq.putArray("decoders");
        ObjectNode replace = type("Replace");
        replace.putObject("pattern").put("String", "▁");
        replace.put("content", " ");
        steps.add(replace).add(type("ByteFallback")).add(type("Fuse"));
        if (addPrefixSpace) {
            steps.add(type("Strip").put("content", " ").put("start", 1).put("stop", 0));
        }
        return seq;
    }

    private static ObjectNode type(String type) {
        return NODES.objectNode().put("type", type);
    }

    /** The file's BPE merges as the class reads them; other model types the rebuilding classes cannot take. */
    static boolean isBpe(JsonNode root) {
        return root.path("model").path("type").asText("BPE").equals("BPE");
    }
}
