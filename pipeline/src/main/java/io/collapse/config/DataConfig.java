package io.collapse.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * Which corpus, how it is cut, and how much of it a run uses.
 *
 * @param dataset a bundled or downloadable dataset name ({@code wikitext-2-v1}, {@code wikitext-2-raw-v1}),
 *     or {@code text:PATH} / {@code jsonl:PATH} for a user corpus
 * @param blockSize tokens per block (paper: 64); generated continuations have the same length
 * @param trainBlocks use the first N training blocks (0 = all); a CPU demo needs a slice
 * @param validBlocks likewise for validation (0 = all)
 * @param testBlocks likewise for test (0 = all)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DataConfig(
        String dataset,
        int blockSize,
        int trainBlocks,
        int validBlocks,
        int testBlocks) {

    public DataConfig {
        Check.notBlank("data.dataset", dataset);
        Check.atLeast("data.block_size", blockSize, 2);
        Check.atLeast("data.train_blocks", trainBlocks, 0);
        Check.atLeast("data.valid_blocks", validBlocks, 0);
        Check.atLeast("data.test_blocks", testBlocks, 0);
    }
}
