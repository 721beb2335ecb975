package io.collapse.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Map;

/**
 * The generation loop: how many generations, what each trains on, where each starts from.
 *
 * @param generations number of generations, generation 0 included (paper: 10)
 * @param keepFraction share of original training blocks mixed into every later generation's
 *     corpus, a fresh seeded sample each generation (paper: 0.0 or 0.1)
 * @param dataMode {@code replace}: generation k trains on generation k-1's corpus (paper);
 *     {@code accumulate}: on the original data plus every earlier corpus
 * @param startFrom {@code base}: every generation starts again from the base model (paper);
 *     {@code previous}: from the previous generation's best model
 * @param seed master seed; data order, sampling and mixing derive from it
 * @param samplePrompts how many test blocks every generation continues for the report's examples
 * @param samplePromptTokens how many tokens of each such test block form its prompt
 * @param corpusBatch prompts decoded together when writing a corpus (default 32)
 * @param corpusShardBlocks blocks per corpus shard, a multiple of corpusBatch (default 256): a killed
 *     writer loses at most one shard of work
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ExperimentConfig(
        int generations,
        double keepFraction,
        DataMode dataMode,
        StartFrom startFrom,
        long seed,
        int samplePrompts,
        int samplePromptTokens,
        Integer corpusBatch,
        Integer corpusShardBlocks) {

    /** The same experiment with another master seed. */
    public ExperimentConfig withSeed(long newSeed) {
        return ConfigLoader.with("experiment", this, Map.of("seed", newSeed));
    }

    /** Generations a run may ask for: 100 times the paper's 10; each is at least a fine-tuning, so no run nears it. */
    public static final int MAX_GENERATIONS = 1000;

    /** Prompts decoded at once; far more than any memory holds, small enough that 8 × it fits an int. */
    public static final int MAX_CORPUS_BATCH = 1 << 16;

    public ExperimentConfig {
        dataMode = dataMode == null ? DataMode.REPLACE : dataMode;
        startFrom = startFrom == null ? StartFrom.BASE : startFrom;
        corpusBatch = corpusBatch == null ? 32 : corpusBatch;
        // Checked before the default shard size is derived from it, so an overflow is blamed on the field set.
        Check.between("experiment.corpus_batch", corpusBatch, 1, MAX_CORPUS_BATCH);
        corpusShardBlocks = corpusShardBlocks == null ? 8 * corpusBatch : corpusShardBlocks;
        Check.between("experiment.generations", generations, 1, MAX_GENERATIONS);
        Check.range("experiment.keep_fraction", keepFraction, 0.0, 1.0);
        Check.atLeast("experiment.sample_prompts", samplePrompts, 0);
        Check.atLeast("experiment.sample_prompt_tokens", samplePromptTokens, 1);
        Check.atLeast("experiment.corpus_shard_blocks", corpusShardBlocks, 1);
        if (corpusShardBlocks % corpusBatch != 0) {
            throw new IllegalArgumentException("experiment.corpus_shard_blocks (" + corpusShardBlocks
                    + ") must be a multiple of experiment.corpus_batch (" + corpusBatch + ")");
        }
    }
}
