package io.collapse.cli;

import io.collapse.config.ConfigLoader;
import io.collapse.config.GenerationConfig;
import java.util.Map;
import picocli.CommandLine.Option;

/** The decoding flags, shared by every command that generates; unset flags take GenerationConfig's defaults. */
final class GenerationOptions {

    @Option(names = "--strategy", defaultValue = "beam", description = "greedy, beam or sample (default: ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--num-beams", description = "Beam width (default: 5 for beam search).")
    Integer numBeams;

    @Option(names = "--num-return-sequences", description = "Continuations per prompt (default: 1).")
    Integer numReturnSequences;

    @Option(names = "--length-penalty", description = "Beam score = sum log-prob / length^L (default: 1.0).")
    Double lengthPenalty;

    @Option(names = "--early-stopping", description = "true, false or never (default: false).")
    String earlyStopping;

    @Option(names = "--min-new-tokens", description = "No EOS before this many new tokens (default: 0).")
    Integer minNewTokens;

    @Option(names = "--max-new-tokens", description = "New tokens at most (default: 64).")
    Integer maxNewTokens;

    @Option(names = "--repetition-penalty", description = "1.0 = off; the paper's corpus used 3.0 (default: 1.0).")
    Double repetitionPenalty;

    @Option(names = "--no-repeat-ngram-size", description = "0 = off (default: 0).")
    Integer noRepeatNgramSize;

    @Option(names = "--temperature", description = "Sampling temperature (default: 1.0).")
    Double temperature;

    @Option(names = "--top-k", description = "Sampling top-k, 0 = off (default: 50, as HF).")
    Integer topK;

    @Option(names = "--top-p", description = "Sampling nucleus, 1.0 = off (default: 1.0).")
    Double topP;

    @Option(names = "--seed", description = "Sampling seed (default: 0).")
    Long seed;

    @Option(names = "--beam-length-rule",
            description = "Which transformers version's beam search: hf-4.35 (whole-row length), hf-4.36 (new-token"
                    + " length) or hf-5 (4.36's length, 5.x's stopping) (default: hf-4.35).")
    String beamLengthRule;

    @Option(names = "--no-cache", description = "Rerun the full forward every step instead of using the KV cache.")
    boolean noCache;

    /** The validated settings, read as the generation section of a config; a bad value fails naming its field. */
    GenerationConfig config() {
        Map<String, Object> given = ConfigLoader.fields("strategy", strategy, "num_beams", numBeams,
                "num_return_sequences", numReturnSequences, "length_penalty", lengthPenalty,
                "early_stopping", earlyStopping, "min_new_tokens", minNewTokens, "max_new_tokens", maxNewTokens,
                "repetition_penalty", repetitionPenalty, "no_repeat_ngram_size", noRepeatNgramSize,
                "temperature", temperature, "top_k", topK, "top_p", topP, "seed", seed,
                "beam_length_rule", beamLengthRule, "use_cache", !noCache);
        return ConfigLoader.fromFields("generation", GenerationConfig.class, Map.of(), given);
    }
}
