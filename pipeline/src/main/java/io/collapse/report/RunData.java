package io.collapse.report;

import io.collapse.data.TokenBlocks;
import io.collapse.pipeline.GenerationRecord;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the report knows about one run (one regime and seed), read from its directory.
 *
 * @param regime the runs pooled over seeds: the config's name, made longer by {@link Regimes#split} where
 *     runs of one name differ in their settings
 * @param settings what run.json's config sets, by dotted path, but {@link Regimes#NOT_SETTINGS}; empty
 *     where run.json is unreadable
 * @param realPpl gen-00/real-ppl.f32, the original training blocks scored by generation 0; null until written
 * @param generations the generations with anything readable, in order; a running experiment has fewer
 */
public record RunData(
        Path dir, String name, String regime, Map<String, String> settings, Integer seed, String state, float[] realPpl,
        List<Generation> generations) {

    RunData inRegime(String label) {
        return new RunData(dir, name, label, settings, seed, state, realPpl, generations);
    }

    /**
     * One generation's readable files; each part is null while absent or unreadable.
     *
     * @param corpusPpl corpus-ppl.f32: this generation's corpus scored by the generation-0 model
     */
    public record Generation(int generation, Eval eval, float[] corpusPpl, TokenStats tokens) {}

    /** The numbers and samples of eval.json; a missing number is NaN. */
    public record Eval(
            double testLoss,
            double testCorpusPpl,
            double testMeanBatchPpl,
            double validCorpusPpl,
            double validMeanBatchPpl,
            List<GenerationRecord.Sample> samples) {}

    /** Token-level measures of a generation's corpus (see {@link Metrics} for each definition). */
    public record TokenStats(
            int blocks,
            long tokens,
            double distinct1,
            double distinct2,
            double distinct3,
            double unigramEntropyBits,
            int vocabularyCoverage,
            double repeated4gramRate) {

        static TokenStats of(TokenBlocks corpus) {
            int[][] blocks = new int[corpus.numBlocks()][]; // the form Metrics reads
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = corpus.block(i);
            }
            long tokens = (long) corpus.numBlocks() * corpus.blockSize();
            return new TokenStats(
                    blocks.length,
                    tokens,
                    Metrics.distinctN(blocks, 1),
                    Metrics.distinctN(blocks, 2),
                    Metrics.distinctN(blocks, 3),
                    Metrics.unigramEntropyBits(blocks),
                    Metrics.vocabularyCoverage(blocks),
                    Metrics.repeatedNgramRate(blocks, 4));
        }
    }

    /** The generation numbered g, or null. */
    public Generation generation(int g) {
        for (Generation gen : generations) {
            if (gen.generation() == g) {
                return gen;
            }
        }
        return null;
    }
}
