package io.collapse.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.TestDevice;
import io.collapse.model.CausalLM;
import io.collapse.model.HfFixture;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Loss and both perplexities against transformers' numbers for the fixture batches. */
public class SequenceNllTest {

    static final double TOL = 1e-5;

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.collapse.model.HfFixture#casesAndInputs")
    void matchesTransformersLossAndPerplexities(String caseName, String input) throws IOException {
        checkNll(HfFixture.load(caseName), input);
    }

    /** A forward record's loss, per-sequence NLL and perplexities, from our logits of the same call. */
    public static void checkNll(HfFixture fx, String record) {
        JsonNode expected = fx.forward(record);
        long[][] mask = fx.maskOf(record);
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = fx.model(manager);
            NDArray ids = manager.create(fx.inputIds(fx.inputOf(record)));
            NDArray maskArray = mask == null ? null : manager.create(mask);
            NDArray logits = fx.run(lm, manager, record, false).logits();
            SequenceNll nll = new SequenceNll();
            nll.add(SequenceNll.perRow(logits, ids, maskArray));

            assertRel(expected.path("loss_hf").asDouble(), nll.meanNll(), record + " loss_hf");
            double[] perSeq = nll.perSequenceMeanNll();
            assertEquals(expected.path("per_sequence_mean_nll").size(), perSeq.length);
            for (int i = 0; i < perSeq.length; i++) {
                assertRel(expected.path("per_sequence_mean_nll").get(i).asDouble(), perSeq[i], "per_sequence_mean_nll " + i);
                assertPpl(expected.path("per_sequence_ppl").get(i).asDouble(), nll.perSequencePpl()[i], "per_sequence_ppl " + i);
            }
            assertPpl(expected.path("ppl_exp_of_mean_loss").asDouble(), nll.pplExpOfMeanLoss(), "ppl_exp_of_mean_loss");
            assertPpl(expected.path("ppl_mean_of_per_sequence_exp").asDouble(), nll.pplMeanOfPerSequenceExp(),
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

    /**
     * A perplexity is exp(loss), so its relative error is the loss's absolute error: the random
     * fixtures' losses near 19 leave 1e-5 relative only to the CPU's summation order (an H200 gave
     * 1.06e-5 on 2026-11-26). Its log is held to the loss's own relative bound.
     */
    static void assertPpl(double want, double got, String what) {
        assertRel(Math.log(want), Math.log(got), what + " (log)");
    }

    static void assertRel(double want, double got, String what) {
        double rel = Math.abs(got - want) / Math.abs(want);
        if (Boolean.getBoolean("collapse.parity.print")) {
            System.out.printf("parity %-50s %.3g%n", what, rel);
        }
        assertEquals(0, rel, TOL, what + ": want " + want + ", got " + got);
    }
}
