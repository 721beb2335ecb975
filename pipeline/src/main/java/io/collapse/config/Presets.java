package io.collapse.config;

import java.util.List;
import java.util.Map;

/**
 * Named model shapes, randomly initialised by {@code preset:NAME} bases. {@code tiny} is for tests
 * and CPU demos (OPT-125m's vocabulary, so the bundled tokenizer fits); {@code opt-125m} is
 * facebook/opt-125m's config.json, the paper's model. {@code tiny-gpt2} is {@code tiny}'s shape as
 * GPT-2, with OPT-125m's vocabulary (50272 ids, bos = eos = {@code </s>} = 2) so that the bundled
 * OPT tokenizer fits the demo; no pad token, as GPT-2 (padding uses eos). {@code gpt2} is
 * openai-community/gpt2's config.json (124M: vocab 50257, bos = eos = 50256).
 * {@code tiny-llama} is the Llama architecture at demo size, also with OPT's vocabulary and special ids
 * (pad 1, bos = eos 2) so that the bundled OPT tokenizer drives it; {@code smollm2-135m} is
 * HuggingFaceTB/SmolLM2-135M's shape. {@code tiny-pythia} is {@code tiny}'s shape as GPT-NeoX, also
 * with OPT-125m's vocabulary and bos = eos = 2 (Pythia's are 50304 ids and 0) so that the bundled OPT
 * tokenizer fits the demo; no pad token, as Pythia. {@code pythia-160m} is EleutherAI/pythia-160m's
 * config.json (162M, untied embed_out).
 */
public final class Presets {

    private Presets() {}

    /** Each preset as its config.json would state it: the keys that differ from HF's defaults for the family. */
    private static final Map<String, LmConfig> PRESETS = Map.of(
            "tiny", LmConfig.of(ConfigLoader.fields("model_type", "opt", "vocab_size", 50272, "hidden_size", 64, "num_hidden_layers", 2,
                    "num_attention_heads", 4, "ffn_dim", 256, "max_position_embeddings", 256)),
            "opt-125m", LmConfig.of(ConfigLoader.fields("model_type", "opt", "vocab_size", 50272, "hidden_size", 768,
                    "num_hidden_layers", 12, "num_attention_heads", 12, "ffn_dim", 3072, "max_position_embeddings", 2048)),
            "tiny-gpt2", LmConfig.of(ConfigLoader.fields("model_type", "gpt2", "vocab_size", 50272, "n_embd", 64, "n_layer", 2,
                    "n_head", 4, "n_positions", 256, "bos_token_id", 2, "eos_token_id", 2)),
            "gpt2", LmConfig.of(ConfigLoader.fields("model_type", "gpt2", "vocab_size", 50257, "n_embd", 768, "n_layer", 12,
                    "n_head", 12, "n_positions", 1024, "bos_token_id", 50256, "eos_token_id", 50256)),
            "tiny-llama", LmConfig.of(ConfigLoader.fields("model_type", "llama", "vocab_size", 50272, "hidden_size", 64,
                    "num_hidden_layers", 2, "num_attention_heads", 4, "num_key_value_heads", 2, "intermediate_size", 176,
                    "max_position_embeddings", 256, "rope_theta", 10000.0, "rms_norm_eps", 1e-6, "initializer_range", 0.02,
                    "tie_word_embeddings", true, "pad_token_id", 1, "bos_token_id", 2, "eos_token_id", 2)),
            "smollm2-135m", LmConfig.of(ConfigLoader.fields("model_type", "llama", "vocab_size", 49152, "hidden_size", 576,
                    "num_hidden_layers", 30, "num_attention_heads", 9, "num_key_value_heads", 3, "intermediate_size", 1536,
                    "max_position_embeddings", 8192, "rope_theta", 100000.0, "rms_norm_eps", 1e-5,
                    "initializer_range", 0.041666666666666664, "tie_word_embeddings", true, "bos_token_id", 0,
                    "eos_token_id", 0)),
            "tiny-pythia", LmConfig.of(ConfigLoader.fields("model_type", "gpt_neox", "vocab_size", 50272, "hidden_size", 64,
                    "num_hidden_layers", 2, "num_attention_heads", 4, "intermediate_size", 256, "max_position_embeddings", 256,
                    "rotary_pct", 0.25, "rotary_emb_base", 10000.0, "bos_token_id", 2, "eos_token_id", 2)),
            "pythia-160m", LmConfig.of(ConfigLoader.fields("model_type", "gpt_neox", "vocab_size", 50304, "hidden_size", 768,
                    "num_hidden_layers", 12, "num_attention_heads", 12, "intermediate_size", 3072,
                    "max_position_embeddings", 2048, "rotary_pct", 0.25, "rotary_emb_base", 10000.0, "bos_token_id", 0,
                    "eos_token_id", 0)));

    /** Preset names, sorted. */
    public static List<String> names() {
        return PRESETS.keySet().stream().sorted().toList();
    }

    /** @throws IllegalArgumentException naming the known presets when {@code name} is not one */
    public static LmConfig get(String name) {
        LmConfig config = PRESETS.get(name);
        if (config == null) {
            throw new IllegalArgumentException("unknown model preset '" + name + "'; expected one of " + names());
        }
        return config;
    }
}
