package io.collapse.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Map;

/**
 * How to continue a prompt: HF {@code generate()} settings with transformers 4.35 semantics, plus
 * what this implementation adds (sampling seed, beam length rule, cache switch). Absent keys take
 * HF's global defaults, never a model's generation_config.json (of which only the eos and pad ids
 * count: {@link SpecialTokens}); JSON names follow HF's {@code generation_config.json} where one exists.
 *
 * @param strategy {@code greedy}, {@code beam} or {@code sample}
 * @param numBeams beam width (1 for greedy and sampling; default 5 for beam)
 * @param numReturnSequences continuations per prompt: the best finished hypotheses (beam, at most
 *     num_beams) or independent samples
 * @param lengthPenalty hypothesis score = sum of log-probs / length^length_penalty
 * @param earlyStopping HF's early_stopping: {@code true}, {@code false} (a heuristic on the current
 *     length; HF's default) or {@code never}; see {@link EarlyStopping}
 * @param minNewTokens EOS is forbidden until this many new tokens exist (the paper: min = max = 64)
 * @param maxNewTokens new tokens at most
 * @param repetitionPenalty 1.0 = off; the released code uses 3.0
 * @param noRepeatNgramSize 0 = off
 * @param temperature sampling warper (1.0 = off)
 * @param topK sampling warper, HF default 50 (0 = off)
 * @param topP sampling warper (1.0 = off)
 * @param seed sampling: each returned row draws from its own stream derived from (seed, prompt's
 *     global index, row), so results do not depend on batch size (absent: 0; `collapse run` derives
 *     one per generation from experiment.seed instead, for the corpus and for the samples)
 * @param beamLengthRule which transformers version's beam search: {@code hf-4.35} (the paper's era),
 *     {@code hf-4.36} or {@code hf-5}; see {@link BeamLengthRule}
 * @param useCache false reruns the whole forward every step: slow, the reference the KV cache is
 *     tested against
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record GenerationConfig(
        Strategy strategy,
        Integer numBeams,
        Integer numReturnSequences,
        Double lengthPenalty,
        EarlyStopping earlyStopping,
        Integer minNewTokens,
        Integer maxNewTokens,
        Double repetitionPenalty,
        Integer noRepeatNgramSize,
        Double temperature,
        Integer topK,
        Double topP,
        Long seed,
        BeamLengthRule beamLengthRule,
        Boolean useCache) {

    /** Far below any sampling temperature in use (greedy is the limit); float32 logits over it stay finite. */
    public static final double MIN_TEMPERATURE = 1e-30;

    public GenerationConfig {
        strategy = strategy == null ? Strategy.BEAM : strategy;
        numBeams = numBeams == null ? (strategy == Strategy.BEAM ? 5 : 1) : numBeams;
        numReturnSequences = numReturnSequences == null ? 1 : numReturnSequences;
        lengthPenalty = lengthPenalty == null ? 1.0 : lengthPenalty;
        earlyStopping = earlyStopping == null ? EarlyStopping.FALSE : earlyStopping;
        maxNewTokens = maxNewTokens == null ? 64 : maxNewTokens;
        minNewTokens = minNewTokens == null ? 0 : minNewTokens;
        repetitionPenalty = repetitionPenalty == null ? 1.0 : repetitionPenalty;
        noRepeatNgramSize = noRepeatNgramSize == null ? 0 : noRepeatNgramSize;
        temperature = temperature == null ? 1.0 : temperature;
        topK = topK == null ? 50 : topK;
        topP = topP == null ? 1.0 : topP;
        seed = seed == null ? 0L : seed;
        beamLengthRule = beamLengthRule == null ? BeamLengthRule.HF_4_35 : beamLengthRule;
        useCache = useCache == null ? Boolean.TRUE : useCache;

        Check.atLeast("generation.max_new_tokens", maxNewTokens, 1);
        Check.between("generation.min_new_tokens (at most max_new_tokens)", minNewTokens, 0, maxNewTokens);
        Check.atLeast("generation.num_return_sequences", numReturnSequences, 1);
        if (strategy == Strategy.BEAM) {
            Check.atLeast("generation.num_beams (beam search; 1 is greedy)", numBeams, 2);
            Check.between("generation.num_return_sequences (at most num_beams)", numReturnSequences, 1, numBeams);
        } else if (numBeams != 1) {
            throw new IllegalArgumentException("generation.num_beams must be 1 for " + strategy
                    + " (beams are beam search's), got " + numBeams);
        }
        if (strategy == Strategy.GREEDY && numReturnSequences != 1) {
            throw new IllegalArgumentException("generation.num_return_sequences must be 1 for greedy, got " + numReturnSequences);
        }
        if (!Double.isFinite(lengthPenalty)) {
            throw new IllegalArgumentException("generation.length_penalty must be finite, got " + lengthPenalty);
        }
        Check.positive("generation.repetition_penalty", repetitionPenalty);
        Check.atLeast("generation.no_repeat_ngram_size", noRepeatNgramSize, 0);
        Check.positive("generation.temperature", temperature);
        if (temperature < MIN_TEMPERATURE) { // in float32 the logits / temperature overflow to infinity: nothing is drawable
            throw new IllegalArgumentException("generation.temperature must be >= " + MIN_TEMPERATURE + " (a smaller one divides"
                    + " float32 logits past their range), got " + temperature);
        }
        Check.atLeast("generation.top_k", topK, 0);
        Check.range("generation.top_p", topP, 0, 1);
    }

    /** Rows decoded for each prompt: its beams, else its samples. */
    public int rowsPerPrompt() {
        return strategy == Strategy.BEAM ? numBeams : numReturnSequences;
    }

    /** The released code's corpus writer: beam 5, repetition penalty 3, exactly {@code newTokens} new tokens. */
    public static GenerationConfig paper(int newTokens) {
        return of(Map.of("strategy", Strategy.BEAM, "num_beams", 5, "min_new_tokens", newTokens, "max_new_tokens", newTokens,
                "repetition_penalty", 3.0, "beam_length_rule", BeamLengthRule.HF_4_35, "use_cache", true));
    }

    /** The same settings with another sampling seed (each generation of a run samples from its own). */
    public GenerationConfig withSeed(long newSeed) {
        return ConfigLoader.with("generation", this, Map.of("seed", newSeed));
    }

    /** HF's defaults for a strategy (beam: 5 beams; sample: multinomial with top_k 50). */
    public static GenerationConfig of(Strategy strategy, int maxNewTokens) {
        return of(Map.of("strategy", strategy, "max_new_tokens", maxNewTokens));
    }

    /** {@code fields} (JSON names) over HF's defaults, checked as a config file's generation section. */
    public static GenerationConfig of(Map<String, ?> fields) {
        return ConfigLoader.fromFields("generation", GenerationConfig.class, Map.of(), fields);
    }
}
