package io.collapse.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import io.collapse.model.LmLoss;
import io.collapse.model.Scope;
import java.util.ArrayList;
import java.util.List;

/**
 * Next-token negative log-likelihood per sequence, and the numbers made from it: the corpus mean
 * token loss (HF's {@code loss} over a batch), exp of that ("corpus perplexity") and the mean over
 * sequences of exp(sequence mean NLL) (the paper's per-sequence perplexity, averaged).
 *
 * <p>Targets follow HF's causal-LM loss with labels −100 at pads: the token at t + 1 is scored from
 * position t when both are real ({@code mask[t] = mask[t+1] = 1}), so neither pads nor a row's first
 * real token after left padding count. Device work in {@link #perRow}; the host accumulates.
 * Sequences without any target (one real token) carry no information and are not recorded.
 */
public final class SequenceNll {

    private final List<Double> sums = new ArrayList<>();
    private final List<Long> counts = new ArrayList<>();

    /**
     * @param logits (B, T, V)
     * @param inputIds (B, T) the same ids the logits were computed from
     * @param attentionMask (B, T) 1 real, 0 pad; null means all real
     * @return NDList of the NLL sum (B) and the number of targets (B), float32, attached to the
     *     logits' manager
     */
    public static NDList perRow(NDArray logits, NDArray inputIds, NDArray attentionMask) {
        try (Scope scope = Scope.borrowing(logits, inputIds, attentionMask)) {
            long t = inputIds.getShape().get(1);
            // float32 before log-softmax: half-precision logits would round the NLL.
            NDArray nll = LmLoss.tokenNll(logits.toType(DataType.FLOAT32, false), inputIds); // (B, T-1)
            NDArray weight = attentionMask == null
                    ? scope.manager().ones(nll.getShape(), DataType.FLOAT32)
                    : attentionMask.get(":, :" + (t - 1)).mul(attentionMask.get(":, 1:")).toType(DataType.FLOAT32, false); // (B, T-1)
            NDArray sum = nll.mul(weight).sum(new int[] {1}); // (B)
            NDArray count = weight.sum(new int[] {1}); // (B)
            return scope.keep(new NDList(sum, count));
        }
    }

    /** Adds every row of {@link #perRow}'s result (one host sync). */
    public void add(NDList perRow) {
        float[] sum = perRow.get(0).toFloatArray();
        float[] count = perRow.get(1).toFloatArray();
        for (int i = 0; i < sum.length; i++) {
            add(sum[i], Math.round(count[i]));
        }
    }

    /** Adds one sequence: the sum of its token NLLs and how many tokens were scored. */
    public void add(double nllSum, long targets) {
        if (targets < 0 || !Double.isFinite(nllSum)) {
            throw new IllegalArgumentException("sequence NLL sum " + nllSum + " over " + targets + " targets");
        }
        if (targets > 0) {
            sums.add(nllSum);
            counts.add(targets);
        }
    }

    public long targets() {
        return counts.stream().mapToLong(Long::longValue).sum();
    }

    /** Mean NLL of each recorded sequence, in order. */
    public double[] perSequenceMeanNll() {
        double[] out = new double[sums.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = sums.get(i) / counts.get(i);
        }
        return out;
    }

    /** exp(mean NLL) of each recorded sequence. */
    public double[] perSequencePpl() {
        double[] out = perSequenceMeanNll();
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.exp(out[i]);
        }
        return out;
    }

    /** Corpus mean token NLL: all NLL over all targets (HF's loss for one batch). */
    public double meanNll() {
        return sums.stream().mapToDouble(Double::doubleValue).sum() / targets();
    }

    /** Corpus perplexity: exp of the mean token NLL. */
    public double pplExpOfMeanLoss() {
        return Math.exp(meanNll());
    }

    /** Mean over sequences of each sequence's perplexity. */
    public double pplMeanOfPerSequenceExp() {
        double[] ppl = perSequencePpl();
        double total = 0;
        for (double p : ppl) {
            total += p;
        }
        return total / ppl.length;
    }
}
