package io.collapse.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.collapse.config.ConfigLoader;
import io.collapse.config.StrictJson;
import io.collapse.eval.Evaluator;
import io.collapse.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
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
public record GenerationRecord(
        @JsonProperty("generation") int generation,
        @JsonProperty("train") Train train,
        @JsonProperty("test") Split test,
        @JsonProperty("valid") Split valid,
        @JsonProperty("corpus") CorpusScore corpus,
        @JsonProperty("real_data_ppl_file") String realDataPplFile,
        @JsonProperty("samples") List<Sample> samples) {

    public record Train(
            @JsonProperty("epochs") int epochs,
            @JsonProperty("best_epoch") int bestEpoch,
            @JsonProperty("best_valid_loss") double bestValidLoss,
            @JsonProperty("train_blocks") int trainBlocks,
            @JsonProperty("original_blocks_kept") int originalBlocksKept,
            // sha256 of gen-NN/model's weights file, so a damaged model is noticed before it is used.
            @JsonProperty("model_sha256") String modelSha256) {}

    /**
     * @param corpusPpl exp(mean token NLL)
     * @param meanBatchPpl mean over batches of exp(batch loss), the released code's definition
     */
    public record Split(
            @JsonProperty("loss") double loss,
            @JsonProperty("corpus_ppl") double corpusPpl,
            @JsonProperty("mean_batch_ppl") double meanBatchPpl,
            @JsonProperty("batch_size") int batchSize,
            @JsonProperty("targets") long targets,
            @JsonProperty("blocks") int blocks) {

        static Split of(Evaluator.Result r) {
            return new Split(r.loss(), r.corpusPpl(), r.meanBatchPpl(), r.batchSize(), r.targets(), r.blocks());
        }
    }

    /** This generation's synthetic corpus, scored by generation 0. */
    public record CorpusScore(
            @JsonProperty("blocks") int blocks,
            @JsonProperty("sha256") String sha256,
            @JsonProperty("mean_ppl_by_gen0") double meanPplByGen0,
            @JsonProperty("corpus_ppl_by_gen0") double corpusPplByGen0) {}

    public record Sample(
            @JsonProperty("prompt_index") int promptIndex,
            @JsonProperty("prompt") String prompt,
            @JsonProperty("continuation") String continuation) {}

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
        Path file = genDir.resolve(RunFiles.EVAL);
        if (!Files.exists(file)) {
            int k = Integer.parseInt(genDir.getFileName().toString().substring(4));
            return new GenerationRecord(k, null, null, null, null, null, null);
        }
        try {
            return ConfigLoader.JSON.readValue(file.toFile(), GenerationRecord.class);
        } catch (IOException e) {
            String why = e instanceof JsonProcessingException j ? StrictJson.describe(j) : e.getMessage();
            throw new IOException(file + ": not a valid generation record (" + why + ")", e);
        }
    }

    /** Read, change, write back atomically. */
    static void update(Path genDir, UnaryOperator<GenerationRecord> change) throws IOException {
        GenerationRecord next = change.apply(read(genDir));
        AtomicFiles.writeString(genDir.resolve(RunFiles.EVAL), ConfigLoader.JSON.writeValueAsString(next));
    }
}
