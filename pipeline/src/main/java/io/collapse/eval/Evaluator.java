package io.collapse.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.collapse.config.LmConfig;
import io.collapse.config.SpecialTokens;
import io.collapse.data.TokenBlocks;
import io.collapse.model.CausalLM;
import io.collapse.model.Scope;
import io.collapse.model.Tensors;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Scores token sequences with a model, dropout off: a corpus of equal blocks ({@link #evaluate}:
 * mean token loss, both perplexity definitions, every block's own perplexity, the raw material of
 * the paper's histograms) or sequences of any lengths ({@link #score}).
 */
public final class Evaluator {

    /**
     * @param loss mean next-token NLL over every scored target of the corpus
     * @param corpusPpl exp(loss): the usual corpus perplexity
     * @param meanBatchPpl mean over batches of exp(batch mean loss): what the released code logs; it
     *     depends on {@code batchSize}, the blocks per batch of this measure
     * @param meanSequencePpl mean over blocks of exp(block mean NLL)
     * @param targets scored next-token predictions: blocks × (blockSize − 1)
     * @param perSequencePpl exp(mean NLL) of each block, in block order
     */
    public record Result(double loss, double corpusPpl, double meanBatchPpl, double meanSequencePpl, long targets,
            int blocks, int blockSize, int batchSize, double[] perSequencePpl) {}

    private Evaluator() {}

    /**
     * Scores every block of {@code blocks}, {@code batchSize} blocks per forward pass in block
     * order (the batches of the mean-batch perplexity).
     *
     * @param progress told the number of blocks done after each batch
     */
    public static Result evaluate(CausalLM model, TokenBlocks blocks, int batchSize, IntConsumer progress) {
        return evaluate(model, blocks, batchSize, batchSize, progress);
    }

    /**
     * As {@link #evaluate(CausalLM, TokenBlocks, int, IntConsumer)}, with the mean-batch
     * perplexity over batches of {@code meanBatchSize} blocks whatever the forward passes' size: a
     * run that continues with a smaller micro-batch reports the same measure as before.
     */
    public static Result evaluate(CausalLM model, TokenBlocks blocks, int batchSize, int meanBatchSize,
            IntConsumer progress) {
        LmConfig config = model.config();
        int t = blocks.blockSize();
        if (blocks.numBlocks() == 0) {
            throw new IllegalArgumentException("nothing to evaluate: the corpus has no blocks");
        }
        checkBatchSize(batchSize);
        checkBatchSize(meanBatchSize);
        if (t < 2 || t > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("block size " + t + ": expected 2.." + config.maxPositionEmbeddings()
                    + " (max_position_embeddings)");
        }
        blocks.checkFitsVocab(config.vocabSize());
        SequenceNll all = new SequenceNll();
        MeanBatchPpl meanBatch = new MeanBatchPpl(meanBatchSize);
        try (Scope root = model.newScope()) {
            ParameterStore ps = new ParameterStore(root.manager(), false);
            for (int from = 0; from < blocks.numBlocks(); from += batchSize) {
                int n = Math.min(batchSize, blocks.numBlocks() - from);
                float[][] nll = forwardNll(model, ps, root, blocks.ids(from, n), null, n, t);
                for (int i = 0; i < n; i++) {
                    long count = Math.round(nll[1][i]);
                    all.add(nll[0][i], count);
                    meanBatch.add(nll[0][i], count);
                }
                progress.accept(from + n);
            }
        }
        double loss = all.meanNll();
        return new Result(loss, Math.exp(loss), meanBatch.value(), all.pplMeanOfPerSequenceExp(), all.targets(),
                blocks.numBlocks(), t, meanBatchSize, all.perSequencePpl());
    }

    /** The mean over consecutive batches of {@code size} blocks (the last may be short) of exp(batch mean NLL). */
    private static final class MeanBatchPpl {
        private final int size;
        private double pplSum;
        private int batches;
        private double nllSum;
        private long targets;
        private int rows;

        MeanBatchPpl(int size) {
            this.size = size;
        }

        void add(double rowNllSum, long rowTargets) {
            nllSum += rowNllSum;
            targets += rowTargets;
            if (++rows == size) {
                close();
            }
        }

        private void close() {
            pplSum += Math.exp(nllSum / targets);
            batches++;
            nllSum = 0;
            targets = 0;
            rows = 0;
        }

        double value() {
            if (rows > 0) {
                close();
            }
            return pplSum / batches;
        }
    }

    /**
     * Scores sequences of any lengths. They are sorted by length and batched {@code batchSize} at a
     * time, each batch left-padded with pad_token_id (eos where the model has none) under an
     * attention mask, which gives what scoring each alone gives (up to float rounding): positions
     * follow the mask (OPT's rule, HF generate's for the other families).
     *
     * @return the NLL of every sequence, in the order given
     * @throws IllegalArgumentException naming the sequence (and position) that is not scorable
     */
    public static SequenceNll score(CausalLM model, List<int[]> sequences, int batchSize) {
        checkSequences(sequences, model.config());
        checkBatchSize(batchSize);
        int pad = SpecialTokens.of(model.config()).padOrEos().orElseThrow(() -> new IllegalArgumentException(
                "config: the model has neither pad_token_id nor eos_token_id to pad sequences of different lengths with"));
        double[] sums = new double[sequences.size()];
        long[] counts = new long[sequences.size()];
        Integer[] byLength = IntStream.range(0, sequences.size()).boxed()
                .sorted(Comparator.comparingInt(i -> sequences.get(i).length)).toArray(Integer[]::new);
        try (Scope root = model.newScope()) {
            ParameterStore ps = new ParameterStore(root.manager(), false);
            for (int from = 0; from < byLength.length; from += batchSize) {
                int n = Math.min(batchSize, byLength.length - from);
                int t = sequences.get(byLength[from + n - 1]).length;
                int[] ids = new int[n * t];
                int[] mask = new int[n * t];
                for (int i = 0; i < n; i++) {
                    int[] seq = sequences.get(byLength[from + i]);
                    int pads = t - seq.length;
                    Arrays.fill(ids, i * t, i * t + pads, pad);
                    System.arraycopy(seq, 0, ids, i * t + pads, seq.length);
                    Arrays.fill(mask, i * t + pads, (i + 1) * t, 1);
                }
                float[][] nll = forwardNll(model, ps, root, ids, mask, n, t);
                for (int i = 0; i < n; i++) {
                    sums[byLength[from + i]] = nll[0][i];
                    counts[byLength[from + i]] = Math.round(nll[1][i]);
                }
            }
        }
        SequenceNll out = new SequenceNll();
        for (int i = 0; i < sums.length; i++) {
            out.add(sums[i], counts[i]);
        }
        return out;
    }

    /**
     * Checks that every sequence can be scored: at least 2 tokens (one target), at most
     * max_position_embeddings, every id in [0, vocab_size).
     *
     * @throws IllegalArgumentException naming the first bad sequence and position
     */
    public static void checkSequences(List<int[]> sequences, LmConfig config) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("no sequences to score");
        }
        for (int s = 0; s < sequences.size(); s++) {
            int[] seq = sequences.get(s);
            if (seq.length < 2 || seq.length > config.maxPositionEmbeddings()) {
                throw new IllegalArgumentException("sequence " + s + " has " + seq.length + " tokens; expected 2.."
                        + config.maxPositionEmbeddings() + " (a first token to predict from, at most max_position_embeddings)");
            }
            for (int p = 0; p < seq.length; p++) {
                if (seq[p] < 0 || seq[p] >= config.vocabSize()) {
                    throw new IllegalArgumentException("sequence " + s + ", element " + p + ": token id " + seq[p]
                            + " is outside [0, " + config.vocabSize() + ") (vocab_size)");
                }
            }
        }
    }

    private static void checkBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size: expected >= 1, got " + batchSize);
        }
    }

    /**
     * One forward pass of {@code n} rows of {@code t} ids.
     *
     * @param mask 1 real, 0 pad, row-major like {@code ids}; null means all real
     * @return the NLL sum and the target count of each row
     */
    private static float[][] forwardNll(CausalLM model, ParameterStore ps, Scope root, int[] ids, int[] mask,
            int n, int t) {
        try (Scope step = root.child()) {
            NDArray inputIds = Tensors.of(step.manager(), ids, new Shape(n, t)); // (B, T)
            NDArray attnMask = mask == null ? null : Tensors.of(step.manager(), mask, new Shape(n, t)); // (B, T)
            NDArray logits = model.forward(ps, inputIds, attnMask, null, false, false).logits(); // (B, T, V)
            NDList perRow = SequenceNll.perRow(logits, inputIds, attnMask);
            return new float[][] {perRow.get(0).toFloatArray(), perRow.get(1).toFloatArray()}; // host sync, once per batch
        }
    }
}
