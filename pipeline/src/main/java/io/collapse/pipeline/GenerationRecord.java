package io.collapse.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.collapse.config.ConfigLoader;
import io.collapse.config.StrictJson;
import io.collapse.eval.Evaluator;
import io.collapse.io.JsonFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * gen-NN/eval.json: what one generation recorded, phase by phase: its training, test and
 * validation scores, sample continuations, and its corpus as scored by generation 0. Each phase
 * fills its own section, so the file grows as the generation advances; a reader (status, report)
 * takes what is there.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record GenerationRecord(
        int generation,
        Train train,
        Split test,
        Split valid,
        CorpusScore corpus,
        String realDataPplFile,
        List<Sample> samples) {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Train(
            int epochs,
            int bestEpoch,
            double bestValidLoss,
            int trainBlocks,
            int originalBlocksKept,
            // sha256 of gen-NN/model's weights file, so a damaged model is noticed before it is used.
            String modelSha256) {}

    /**
     * @param corpusPpl exp(mean token NLL)
     * @param meanBatchPpl mean over batches of exp(batch loss), the released code's definition
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Split(
            double loss,
            double corpusPpl,
            double meanBatchPpl,
            int batchSize,
            long targets,
            int blocks) {

        static Split of(Evaluator.Result r) {
            return new Split(r.loss(), r.corpusPpl(), r.meanBatchPpl(), r.batchSize(), r.targets(), r.blocks());
        }
    }

    /** This generation's synthetic corpus, scored by generation 0. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record CorpusScore(
            int blocks,
            String sha256,
            double meanPplByGen0,
            double corpusPplByGen0) {}

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Sample(
            int promptIndex,
            String prompt,
            String continuation) {}

    public GenerationRecord withTrain(Train t) {
        return new GenerationRecord(generation, t, test, valid, corpus, realDataPplFile, samples);
    }

    public GenerationRecord withTest(Split s) {
        return new GenerationRecord(generation, train, s, valid, corpus, realDataPplFile, samples);
    }

    public GenerationRecord withValid(Split s) {
        return new GenerationRecord(generation, train, test, s, corpus, realDataPplFile, samples);
    }

    public GenerationRecord withCorpus(CorpusScore c) {
        String real = generation == 0 ? RunFiles.REAL_PPL : null;
        return new GenerationRecord(generation, train, test, valid, c, real, samples);
    }

    public GenerationRecord withSamples(List<Sample> s) {
        return new GenerationRecord(generation, train, test, valid, corpus, realDataPplFile, s);
    }

    /** The generation's eval.json, or an empty one when not yet written. */
    public static GenerationRecord read(Path genDir) throws IOException {
        GenerationRecord r = JsonFiles.readIfPresent(ConfigLoader.JSON, genDir.resolve(RunFiles.EVAL), GenerationRecord.class,
                "not a valid generation record", StrictJson::reason);
        if (r == null) {
            int k = Integer.parseInt(genDir.getFileName().toString().substring(4));
            return new GenerationRecord(k, null, null, null, null, null, null);
        }
        return r;
    }

    /** The model's identity for the corpus manifest: "gen-NN/model@" + the weights' sha256 the train phase recorded. */
    static String modelIdentity(Path genDir) throws IOException {
        return modelIdentity(genDir, read(genDir));
    }

    /** The same, from {@code record}, gen-NN's eval.json already read. */
    static String modelIdentity(Path genDir, GenerationRecord record) {
        return genDir.getFileName() + "/" + RunFiles.MODEL + "@" + record.train().modelSha256();
    }

    /** Read, change, write back atomically. */
    static void update(Path genDir, UnaryOperator<GenerationRecord> change) throws IOException {
        GenerationRecord next = change.apply(read(genDir));
        JsonFiles.write(ConfigLoader.JSON, genDir.resolve(RunFiles.EVAL), next);
    }
}
