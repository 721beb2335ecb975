package io.collapse.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.LiveArrays;
import io.collapse.TestDevice;
import io.collapse.data.TokenBlocks;
import io.collapse.model.CausalLM;
import io.collapse.model.HfFixture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Evaluator against transformers' numbers for fixture case a, the mean-batch definition, and its checks. */
class EvaluatorTest {

    static final double TOL = 1e-5;

    private static void assertRel(double expected, double actual, String what) {
        assertEquals(expected, actual, TOL * Math.abs(expected), what);
    }

    @Test
    void blocksGiveTransformersLossAndEveryDefinition() throws Exception {
        HfFixture fx = HfFixture.load(HfFixture.CASE_A);
        JsonNode expected = fx.forward("batch");
        long[][] rows = fx.inputIds("batch");
        int[] ids = new int[rows.length * 64];
        for (int r = 0; r < rows.length; r++) {
            for (int t = 0; t < 64; t++) {
                ids[r * 64 + t] = (int) rows[r][t];
            }
        }
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = fx.model(manager);
            int arraysBefore = manager.getManagedArrays().size();
            List<Integer> progress = new ArrayList<>();
            Evaluator.Result r = Evaluator.evaluate(lm, TokenBlocks.of(ids, 64), 2, progress::add);
            assertEquals(arraysBefore, manager.getManagedArrays().size(), "evaluation leaves nothing on the model's manager");

            assertEquals(List.of(2, 3), progress);
            assertEquals(3, r.blocks());
            assertEquals(3 * 63, r.targets());
            assertRel(expected.get("loss_hf").asDouble(), r.loss(), "loss");
            assertRel(expected.get("ppl_exp_of_mean_loss").asDouble(), r.corpusPpl(), "corpusPpl");
            assertRel(expected.get("ppl_mean_of_per_sequence_exp").asDouble(), r.meanSequencePpl(), "meanSequencePpl");
            JsonNode nll = expected.get("per_sequence_mean_nll");
            for (int i = 0; i < 3; i++) {
                assertRel(expected.get("per_sequence_ppl").get(i).asDouble(), r.perSequencePpl()[i], "ppl " + i);
            }
            // Batches {0, 1} and {2}: the released code averages exp(batch loss) over them.
            double meanBatch = (Math.exp((nll.get(0).asDouble() + nll.get(1).asDouble()) / 2) + Math.exp(nll.get(2).asDouble())) / 2;
            assertRel(meanBatch, r.meanBatchPpl(), "meanBatchPpl");
            assertEquals(2, r.batchSize());

            // One block per forward pass, the measure still over batches of 2: the same numbers.
            Evaluator.Result single = Evaluator.evaluate(lm, TokenBlocks.of(ids, 64), 1, 2, done -> {});
            assertRel(meanBatch, single.meanBatchPpl(), "meanBatchPpl over batches of 2, computed one by one");
            assertEquals(2, single.batchSize());
            assertRel(r.loss(), single.loss(), "loss");
            double perBlock = (Math.exp(nll.get(0).asDouble()) + Math.exp(nll.get(1).asDouble()) + Math.exp(nll.get(2).asDouble())) / 3;
            assertRel(perBlock, Evaluator.evaluate(lm, TokenBlocks.of(ids, 64), 2, 1, done -> {}).meanBatchPpl(), "batches of 1");
        }
    }

    /** The evaluator's scope lives under the model's manager; a batch that left an array in it would show. */
    @Test
    void batchesLeaveTheArrayCountAsTheyFoundIt() throws Exception {
        HfFixture fx = HfFixture.load(HfFixture.CASE_A);
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = fx.model(manager);
            LiveArrays live = new LiveArrays(manager);
            int[] ids = new int[5 * 16];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = 4 + (i * 37) % 900;
            }
            Evaluator.evaluate(lm, TokenBlocks.of(ids, 16), 1, done -> live.sample());
            live.assertSteady(0, 5);
        }
    }

    @Test
    void unscorableInputIsNamed() throws Exception {
        HfFixture fx = HfFixture.load(HfFixture.CASE_A);
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = fx.model(manager);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Evaluator.evaluate(lm, TokenBlocks.of(new int[] {2, 5, 1000, 7}, 2), 4, done -> {}));
            assertTrue(e.getMessage().contains("token id 1000 but the model's vocab_size is 1000"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Evaluator.evaluate(lm, TokenBlocks.of(new int[] {2, 5, 6}, 1), 4, done -> {}));
            assertTrue(e.getMessage().contains("block size 1: expected 2..128"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> Evaluator.score(lm, List.of(new int[] {2, 5}, new int[129]), 4));
            assertTrue(e.getMessage().contains("sequence 1 has 129 tokens; expected 2..128"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Evaluator.score(lm, List.of(new int[] {2, 5}), 0));
            assertTrue(e.getMessage().contains("batch size: expected >= 1, got 0"), e.getMessage());
        }
    }
}
