package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.config.OptConfig;
import io.collapse.config.Presets;
import io.collapse.data.DataPaths;
import io.collapse.data.DataSource;
import io.collapse.data.TokenBlocks;
import io.collapse.eval.SequenceNll;
import io.collapse.model.CausalLM;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import io.collapse.text.OptTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** collapse eval on a tiny random model and a slice of wikitext-2 valid, against a computation without the Evaluator. */
class EvalCommandTest {

    static final double TOL = 1e-5;
    static final int BLOCKS = 12;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path shared;
    @TempDir Path tmp;

    static Path modelDir;
    static Path cacheDir;

    @BeforeAll
    static void tinyModelDir() throws Exception {
        modelDir = shared.resolve("tiny");
        cacheDir = shared.resolve("cache");
        OptConfig config = (OptConfig) Presets.get("tiny");
        try (NDManager manager = NDManager.newBaseManager()) {
            CausalLM lm = AutoModelForCausalLM.random(config, 7, manager, DataType.FLOAT32);
            HfModelDir.write(modelDir, config, lm.stateDict(), HostTensor.DType.F32, null);
        }
    }

    private static void assertRel(double expected, double actual, String what) {
        assertEquals(expected, actual, TOL * Math.abs(expected), what);
    }

    @Test
    void validSliceMatchesAnIndependentComputationOfBothDefinitions() throws Exception {
        Path perSeqJson = tmp.resolve("ppl.JSON"); // JSON by its ending, in any case
        Cli.Result run = Cli.run("eval", "--no-progress", "--model", modelDir.toString(), "--split", "valid",
                "--max-blocks", String.valueOf(BLOCKS), "--batch-size", "5", "--cache-dir", cacheDir.toString(),
                "--per-sequence", perSeqJson.toString(), "--json");
        assertEquals(0, run.code(), run.err());
        JsonNode doc = JSON.readTree(run.out());
        assertEquals(System.getProperty("collapse.attention", "eager"), doc.path("attention").asText(), "the attention it ran");

        // The same first blocks, scored in batches of 4 (not 5) straight through SequenceNll.
        TokenBlocks blocks = DataSource.bundled("wikitext-2-v1")
                .load(DataPaths.locate(cacheDir), List.of("valid"), OptTokenizer.embedded(), 64).get(0).blocks();
        HfModelDir.Checkpoint checkpoint = HfModelDir.read(modelDir);
        SequenceNll nll = new SequenceNll();
        try (NDManager manager = NDManager.newBaseManager()) {
            CausalLM lm = AutoModelForCausalLM.fromStateDict(checkpoint.config(), checkpoint.tensors(), manager,
                    DataType.FLOAT32);
            for (int from = 0; from < BLOCKS; from += 4) {
                try (NDManager step = manager.newSubManager()) {
                    long[][] rows = new long[4][];
                    for (int i = 0; i < 4; i++) {
                        rows[i] = Arrays.stream(blocks.block(from + i)).asLongStream().toArray();
                    }
                    NDArray ids = step.create(rows); // (B, T)
                    NDList perRow = SequenceNll.perRow(lm.forward(ids, null, null).logits(), ids, null);
                    nll.add(perRow);
                }
            }
        }
        double[] meanNll = nll.perSequenceMeanNll();
        double batchPplSum = 0;
        int[][] batches = {{0, 5}, {5, 10}, {10, 12}}; // the released code's batches: 5, 5 and the last 2
        for (int[] b : batches) {
            double loss = 0;
            for (int i = b[0]; i < b[1]; i++) {
                loss += meanNll[i] / (b[1] - b[0]); // equal blocks: the batch loss is the mean of the block losses
            }
            batchPplSum += Math.exp(loss);
        }

        assertEquals(BLOCKS, doc.get("blocks").asInt());
        assertEquals(BLOCKS * 64, doc.get("tokens").asLong());
        assertEquals(BLOCKS * 63, doc.get("targets").asLong());
        assertEquals("valid", doc.get("split").asText());
        assertRel(nll.meanNll(), doc.get("loss").asDouble(), "loss");
        assertRel(nll.pplExpOfMeanLoss(), doc.get("corpus_ppl").asDouble(), "corpus_ppl");
        assertRel(batchPplSum / batches.length, doc.get("mean_batch_ppl").asDouble(), "mean_batch_ppl");
        assertRel(nll.pplMeanOfPerSequenceExp(), doc.get("mean_sequence_ppl").asDouble(), "mean_sequence_ppl");
        JsonNode perSeq = JSON.readTree(perSeqJson.toFile());
        assertEquals(BLOCKS, perSeq.size());
        for (int i = 0; i < BLOCKS; i++) {
            assertRel(nll.perSequencePpl()[i], perSeq.get(i).asDouble(), "per-sequence ppl " + i);
        }

        // The same run as float32 LE per-sequence file, human output naming both definitions.
        Path perSeqF32 = tmp.resolve("ppl.f32");
        run = Cli.run("eval", "--no-progress", "--model", modelDir.toString(), "--split", "valid",
                "--max-blocks", String.valueOf(BLOCKS), "--batch-size", "5", "--cache-dir", cacheDir.toString(), "--per-sequence", perSeqF32.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("corpus_ppl "), run.out());
        assertTrue(run.out().contains("mean_batch_ppl "), run.out());
        ByteBuffer f32 = ByteBuffer.wrap(Files.readAllBytes(perSeqF32)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4 * BLOCKS, f32.remaining());
        for (int i = 0; i < BLOCKS; i++) {
            assertRel(nll.perSequencePpl()[i], f32.getFloat(), "per-sequence ppl (float32) " + i);
        }
    }

    @Test
    void badArgumentsAreNamed() {
        Cli.Result run = Cli.run("eval", "--no-progress", "--model", modelDir.toString(), "--split", "dev",
                "--cache-dir", cacheDir.toString());
        assertEquals(1, run.code());
        assertTrue(run.err().contains("split 'dev'"), run.err());
        // --max-blocks follows the one "first N blocks" rule (TokenBlocks.first: 0 = all, as --train-blocks and
        // data.train_blocks), so -1 is the refused value now; 0 used to be refused here alone.
        run = Cli.run("eval", "--no-progress", "--model", modelDir.toString(), "--max-blocks", "-1",
                "--cache-dir", cacheDir.toString());
        assertEquals(1, run.code());
        assertTrue(run.err().contains("--max-blocks must be >= 0, got -1"), run.err());
        run = Cli.run("eval", "--no-progress", "--model", modelDir.toString(), "--block-size", "4096",
                "--split", "valid", "--cache-dir", cacheDir.toString());
        assertEquals(1, run.code());
        // Refused before the split is tokenized and cut into blocks no forward could take.
        assertTrue(run.err().contains("--block-size: expected 2..256 (the model's max_position_embeddings), got 4096"), run.err());
        // --per-sequence never replaces a file: here the model's own weights, refused before any work.
        Path weights = modelDir.resolve("model.safetensors");
        long size = weights.toFile().length();
        run = Cli.run("eval", "--no-progress", "--model", modelDir.toString(), "--max-blocks", "2",
                "--cache-dir", cacheDir.toString(), "--per-sequence", weights.toString());
        assertEquals(1, run.code());
        assertTrue(run.err().startsWith("error: --per-sequence " + weights + ": already exists; name a new file"), run.err());
        assertEquals(size, weights.toFile().length(), "the weights are untouched");
    }
}
