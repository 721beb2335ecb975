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

    private static final Map<String, LmConfig> PRESETS = Map.of(
            "tiny", config(64, 2, 4, 256, 256),
            "opt-125m", config(768, 12, 12, 3072, 2048),
            "tiny-gpt2", gpt2(50272, 2, 64, 2, 4, 256),
            "gpt2", gpt2(50257, 50256, 768, 12, 12, 1024),
            "tiny-llama", llama(50272, 64, 2, 4, 2, 176, 256, 10000, 1e-6, 0.02, 1, 2, 2),
            "smollm2-135m", llama(49152, 576, 30, 9, 3, 1536, 8192, 100000, 1e-5, 0.041666666666666664, null, 0, 0),
            "tiny-pythia", pythia(50272, 2, 64, 2, 4, 256, 256),
            "pythia-160m", pythia(50304, 0, 768, 12, 12, 3072, 2048));

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

    /** OPT-125m's settings (pre-LN, ReLU, dropout 0.1, init_std 0.02, vocab 50272) at another size. */
    private static OptConfig config(int hidden, int layers, int heads, int ffn, int maxPositions) {
        return new OptConfig(50272, hidden, layers, ffn, heads, maxPositions, true, hidden, "relu", true, true,
                0.1, 0.0, false, 1, 2, 2, 0.02, true, "opt");
    }

    /** gpt2's settings (gelu_new, dropouts 0.1, eps 1e-5, initializer_range 0.02, tied head) at another size. */
    private static Gpt2Config gpt2(int vocab, int bosEos, int hidden, int layers, int heads, int positions) {
        return new Gpt2Config(vocab, positions, hidden, layers, heads, null, null, null, null, null, null, null, null,
                null, null, null, null, bosEos, bosEos, null, null);
    }

    /** A Llama with a tied head, no biases, SiLU and plain RoPE. */
    private static LlamaConfig llama(int vocab, int hidden, int layers, int heads, int kvHeads, int inner, int maxPositions,
            double theta, double eps, double initStd, Integer pad, int bos, int eos) {
        return new LlamaConfig(vocab, hidden, inner, layers, heads, kvHeads, 0, maxPositions, eps, RopeParameters.plain(theta),
                null, null, false, false, "silu", true, initStd, 0.0, null, pad, bos, List.of(eos), "llama");
    }

    /**
     * Pythia's settings (config.json of EleutherAI/pythia-160m: parallel residual, rotary on 25% of
     * each head with base 10000, exact gelu, untied embed_out, no dropout, init 0.02) at another size.
     */
    private static GptNeoXConfig pythia(int vocab, int bosEos, int hidden, int layers, int heads, int intermediate,
            int maxPositions) {
        return new GptNeoXConfig(vocab, hidden, layers, heads, intermediate, "gelu", null, 0.25, 10000.0, null,
                maxPositions, 1e-5, true, true, 0.0, 0.0, 0.02, null, bosEos, bosEos, false, "gpt_neox");
    }
}
