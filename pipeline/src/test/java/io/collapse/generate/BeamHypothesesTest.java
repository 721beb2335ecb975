package io.collapse.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.config.BeamLengthRule;
import io.collapse.config.EarlyStopping;
import java.util.List;
import org.junit.jupiter.api.Test;

class BeamHypothesesTest {

    private static int[] row(int length, int tag) {
        int[] r = new int[length];
        r[length - 1] = tag;
        return r;
    }

    @Test
    void wholeRowLengthKeepsTheBestAndTracksTheWorst() {
        BeamHypotheses h = new BeamHypotheses(2, 1.0, EarlyStopping.FALSE, 80, 64, BeamLengthRule.HF_4_35);
        h.addEnded(row(64, 1), 2, -6.4f); // -0.1
        h.addEnded(row(66, 2), 2, -13.2f); // -0.2
        h.addEnded(row(68, 3), 2, -10.2f); // -0.15: replaces the -0.2
        assertEquals(2, h.size());
        List<BeamHypotheses.Hypothesis> best = h.best(2);
        assertEquals(1, best.get(0).tokens()[63]);
        assertEquals(3, best.get(1).tokens()[67]);
        assertEquals(-6.4f / 64.0, best.get(0).score(), 1e-12);
        // A worse one is ignored once full.
        h.addEnded(row(70, 4), 2, -70f);
        assertEquals(2, h.size());
        // Done when the best candidate sum, spread over the next length, cannot beat the worst kept (-0.15).
        assertTrue(h.isDone(-10.5f, 69)); // -0.152 <= -0.15
        assertFalse(h.isDone(-10.0f, 69)); // -0.145 > -0.15
    }

    @Test
    void newTokenLengthCountsTheEos() {
        BeamHypotheses h = new BeamHypotheses(1, 1.0, EarlyStopping.FALSE, 80, 64, BeamLengthRule.HF_4_36);
        h.addEnded(row(67, 5), 2, -3f); // 3 new tokens + EOS = 4
        assertEquals(-0.75, h.best(1).get(0).score(), 1e-12);
        BeamHypotheses open = new BeamHypotheses(1, 1.0, EarlyStopping.FALSE, 80, 64, BeamLengthRule.HF_4_36);
        open.addOpen(row(80, 6), -8f); // 16 new tokens, no EOS
        assertEquals(-0.5, open.best(1).get(0).score(), 1e-12);
    }

    @Test
    void earlyStoppingVariants() {
        BeamHypotheses always = new BeamHypotheses(1, 1.0, EarlyStopping.TRUE, 80, 64, BeamLengthRule.HF_4_35);
        assertFalse(always.isDone(0f, 65));
        always.addEnded(row(64, 1), 2, -100f);
        assertTrue(always.isDone(0f, 65));
        // never, length_penalty > 0: the best possible score uses max_length.
        BeamHypotheses never = new BeamHypotheses(1, 1.0, EarlyStopping.NEVER, 80, 64, BeamLengthRule.HF_4_35);
        never.addEnded(row(64, 1), 2, -8f); // -0.125
        assertTrue(never.isDone(-10f, 65)); // -10/80 = -0.125 <= -0.125
        assertFalse(never.isDone(-9.9f, 65));
        assertArrayEquals(row(64, 1), never.best(1).get(0).tokens());
    }
}
