package io.collapse.generate;

import io.collapse.config.BeamLengthRule;
import io.collapse.config.EarlyStopping;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The finished hypotheses of one prompt: transformers 4.35's {@code BeamHypotheses}, kept
 * arithmetic for arithmetic (float32 log-prob sums widened to double, divided by a double power of
 * the length). Which length depends on the {@link BeamLengthRule}.
 */
final class BeamHypotheses {

    /** A finished row (without its EOS), the EOS it ended with (-1: open at max_length), its length-normalised score. */
    record Hypothesis(double score, int[] tokens, int eos) {}

    private final int numBeams;
    private final double lengthPenalty;
    private final EarlyStopping earlyStopping;
    private final int maxLength;
    private final int promptLength;
    private final BeamLengthRule rule;
    private final List<Hypothesis> beams = new ArrayList<>();
    private double worstScore = 1e9;

    BeamHypotheses(int numBeams, double lengthPenalty, EarlyStopping earlyStopping, int maxLength, int promptLength,
            BeamLengthRule rule) {
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

    /** A row that ends here with {@code eos} (not part of {@code row}) whose processed log-prob sum is {@code sum}. */
    void addEnded(int[] row, int eos, float sum) {
        add(row, eos, sum, rule.newTokensOnly() ? row.length + 1 - promptLength : row.length);
    }

    /** A row still open when max_length was reached. */
    void addOpen(int[] row, float sum) {
        add(row, -1, sum, rule.newTokensOnly() ? row.length - promptLength : row.length);
    }

    private void add(int[] row, int eos, float sum, int length) {
        double score = (double) sum / Math.pow(length, lengthPenalty);
        if (beams.size() < numBeams || score > worstScore) {
            beams.add(new Hypothesis(score, row, eos));
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
     * candidate sum of this step (4.35 to 4.48) or the best sum still running (5.x), {@code curLen} the row length after this step (HF's
     * {@code input_ids.shape[-1] + 1}).
     */
    boolean isDone(float bestSum, int curLen) {
        if (beams.size() < numBeams) {
            return false;
        }
        if (earlyStopping == EarlyStopping.TRUE) {
            return true;
        }
        // "never": the best score any running beam could reach, at max_length; "false": at the current length.
        int length = earlyStopping == EarlyStopping.NEVER && lengthPenalty > 0 ? maxLength : curLen;
        int offset = rule.newTokensOnly() ? promptLength : 0;
        double highest = bestSum / Math.pow(length - offset, lengthPenalty);
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
