package io.collapse.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import io.collapse.model.CausalLM;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.TestDevice;
import io.collapse.model.HfOptFixture;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Loss and both perplexities against transformers' numbers for the fixture batches. */
class SequenceNllTest {

    static final double TOL = 1e-5;

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.collapse.model.HfOptFixture#casesAndInputs")
    void matchesTransformersLossAndPerplexities(String caseName, String input) throws IOException {
        HfOptFixture fx = HfOptFixture.load(caseName);
        JsonNode expected = fx.forward(input);
        long[][] mask = fx.attentionMask(input);
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = fx.model(manager);
            NDArray ids = manager.create(fx.inputIds(input));
            NDArray maskArray = mask == null ? null : manager.create(mask);
            NDArray logits = lm.forward(ids, maskArray, null).logits();
            SequenceNll nll = new SequenceNll();
            nll.add(SequenceNll.perRow(logits, ids, maskArray));

            assertRel(expected.path("loss_hf").asDouble(), nll.meanNll(), "loss_hf");
            double[] perSeq = nll.perSequenceMeanNll();
            assertEquals(expected.path("per_sequence_mean_nll").size(), perSeq.length);
            for (int i = 0; i < perSeq.length; i++) {
                assertRel(expected.path("per_sequence_mean_nll").get(i).asDouble(), perSeq[i], "per_sequence_mean_nll " + i);
                assertRel(expected.path("per_sequence_ppl").get(i).asDouble(), nll.perSequencePpl()[i], "per_sequence_ppl " + i);
            }
            assertRel(expected.path("ppl_exp_of_mean_loss").asDouble(), nll.pplExpOfMeanLoss(), "ppl_exp_of_mean_loss");
            assertRel(expected.path("ppl_mean_of_per_sequence_exp").asDouble(), nll.pplMeanOfPerSequenceExp(),
                    "ppl_mean_of_per_sequence_exp");
        }
    }

    @Test
    void countsOnlyTargetsWithARealPredecessor() {
        try (NDManager manager = TestDevice.manager()) {
            // Uniform logits over 4 ids: every scored target costs ln 4.
            NDArray logits = manager.zeros(new ai.djl.ndarray.types.Shape(2, 4, 4));
            NDArray ids = manager.create(new long[][] {{1, 1, 3, 2}, {3, 2, 0, 1}});
            NDArray mask = manager.create(new long[][] {{0, 0, 1, 1}, {1, 1, 1, 1}});
            SequenceNll nll = new SequenceNll();
            nll.add(SequenceNll.perRow(logits, ids, mask));
            assertEquals(4, nll.targets()); // row 0: only 3 -> 2; row 1: three targets
            assertEquals(Math.log(4), nll.meanNll(), 1e-6);
            assertEquals(4, nll.pplMeanOfPerSequenceExp(), 1e-5);
        }
    }

    @Test
    void refusesNonFiniteSums() {
        assertThrows(IllegalArgumentException.class, () -> new SequenceNll().add(Double.NaN, 3));
    }

    static void assertRel(double want, double got, String what) {
        double rel = Math.abs(got - want) / Math.abs(want);
        assertEquals(0, rel, TOL, what + ": want " + want + ", got " + got);
    }
}
