package io.collapse.generate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The finished hypotheses of one prompt: transformers 4.35's {@code BeamHypotheses}, kept
 * arithmetic for arithmetic (float32 log-prob sums widened to double, divided by a double power of
 * the length). Which length depends on {@link LengthRule}.
 */
final class BeamHypotheses {

    /** A finished row (without its EOS) and its length-normalised score. */
    record Hypothesis(double score, int[] tokens) {}

    /** The denominator's length; see {@code GenerationConfig.beamLengthRule}. */
    enum LengthRule {
        /** transformers 4.35: the whole row (prompt, left pads, new tokens), not the EOS. */
        WHOLE_ROW,
        /**
         * transformers 4.36 on: new tokens only, an EOS that ended the hypothesis included. The beam
         * search then also judges a prompt done as 5.x's vectorized one does (see {@code BeamSearch}).
         */
        NEW_TOKENS
    }

    private final int numBeams;
    private final double lengthPenalty;
    private final String earlyStopping;
    private final int maxLength;
    private final int promptLength;
    private final LengthRule rule;
    private final List<Hypothesis> beams = new ArrayList<>();
    private double worstScore = 1e9;

    BeamHypotheses(int numBeams, double lengthPenalty, String earlyStopping, int maxLength, int promptLength,
            LengthRule rule) {
        this.numBeams = numBeams;
        this.lengthPenalty = lengthPenalty;
        this.earlyStopping = earlyStopping;
        this.maxLength = maxLength;
        this.promptLength = promptLength;
        this.rule = rule;
    }

    int size() {
        return beams.size();
    }

    /** A row that ends here with an EOS (not part of {@code row}) whose processed log-prob sum is {@code sum}. */
    void addEnded(int[] row, float sum) {
        add(row, sum, rule == LengthRule.WHOLE_ROW ? row.length : row.length + 1 - promptLength);
    }

    /** A row still open when max_length was reached. */
    void addOpen(int[] row, float sum) {
        add(row, sum, rule == LengthRule.WHOLE_ROW ? row.length : row.length - promptLength);
    }

    private void add(int[] row, float sum, int length) {
        double score = (double) sum / Math.pow(length, lengthPenalty);
        if (beams.size() < numBeams || score > worstScore) {
            beams.add(new Hypothesis(score, row));
            if (beams.size() > numBeams) {
                // HF sorts (score, index) pairs: the first is dropped, the second becomes the worst.
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < beams.size(); i++) {
                    order.add(i);
                }
                order.sort(Comparator.<Integer>comparingDouble(i -> beams.get(i).score()).thenComparingInt(i -> i));
                worstScore = beams.get(order.get(1)).score();
                beams.remove((int) order.get(0));
            } else {
                worstScore = Math.min(score, worstScore);
            }
        }
    }

    /**
     * Whether no open beam can still beat the worst finished hypothesis. {@code bestSum} is the best
     * candidate sum of this step (4.35) or the best sum still running (5.x), {@code curLen} the row length after this step (HF's
     * {@code input_ids.shape[-1] + 1}).
     */
    boolean isDone(float bestSum, int curLen) {
        if (beams.size() < numBeams) {
            return false;
        }
        int offset = rule == LengthRule.WHOLE_ROW ? 0 : promptLength;
        double highest;
        switch (earlyStopping) {
            case "true" -> {
                return true;
            }
            case "false" -> highest = bestSum / Math.pow(curLen - offset, lengthPenalty);
            default -> highest = lengthPenalty > 0
                    ? bestSum / Math.pow(maxLength - offset, lengthPenalty)
                    : bestSum / Math.pow(curLen - offset, lengthPenalty);
        }
        return worstScore >= highest;
    }

    /** The best {@code n} hypotheses, best first (HF: stable ascending sort, then pop from the end). */
    List<Hypothesis> best(int n) {
        List<Hypothesis> sorted = new ArrayList<>(beams);
        sorted.sort(Comparator.comparingDouble(Hypothesis::score));
        List<Hypothesis> out = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            out.add(sorted.remove(sorted.size() - 1));
        }
        return out;
    }
}
