package io.collapse.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.collapse.config.GenerationConfig;
import io.collapse.model.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One step of HF's logits processing: scores (R, V) float32 of R rows → processed scores (R, V).
 * {@code ids} are the R rows as HF's {@code input_ids} holds them at this step (prompt with its
 * left pads and {@code </s>}, then the tokens generated so far), all of equal length. An
 * implementation may change {@code scores} in place and return it.
 */
public interface LogitsProcessor {

    NDArray process(NDArray scores, int[][] ids);

    /** HF's masked_fill value. */
    float FILTER = Float.NEGATIVE_INFINITY;

    /**
     * {@code scores} with FILTER where {@code mask} holds. Every constant here is a device tensor
     * ({@link Tensors#scalar}): a Java number in an op is an upload that, on a GPU, waits for the queue.
     */
    static NDArray filtered(NDArray scores, NDArray mask) {
        return NDArrays.where(mask.logicalNot(), scores, Tensors.scalar(scores, FILTER)); // DJL: condition shaped as its first value
    }

    /**
     * HF 4.35's {@code _get_logits_processor} order for our settings: repetition penalty, no-repeat
     * n-gram, min_new_tokens.
     */
    static List<LogitsProcessor> processors(GenerationConfig cfg, int promptLength, List<Integer> eosIds) {
        List<LogitsProcessor> list = new ArrayList<>();
        if (cfg.repetitionPenalty() != 1.0) {
            list.add(new RepetitionPenalty(cfg.repetitionPenalty().floatValue()));
        }
        if (cfg.noRepeatNgramSize() > 0) {
            list.add(new NoRepeatNGram(cfg.noRepeatNgramSize()));
        }
        if (cfg.minNewTokens() > 0 && !eosIds.isEmpty()) {
            list.add(new MinNewTokens(promptLength, cfg.minNewTokens(), eosIds));
        }
        return list;
    }

    /** HF 4.35's {@code _get_logits_warper}: temperature → top-k → top-p, each only when it changes something. */
    static List<LogitsProcessor> warpers(GenerationConfig cfg) {
        List<LogitsProcessor> list = new ArrayList<>();
        if (cfg.temperature() != 1.0) {
            list.add(new Temperature(cfg.temperature().floatValue()));
        }
        if (cfg.topK() != 0) {
            list.add(new TopK(cfg.topK(), 1));
        }
        if (cfg.topP() < 1.0) {
            list.add(new TopP(cfg.topP(), 1));
        }
        return list;
    }

    static NDArray applyAll(List<LogitsProcessor> list, NDArray scores, int[][] ids) {
        for (LogitsProcessor p : list) {
            scores = p.process(scores, ids);
        }
        return scores;
    }

    /**
     * HF's RepetitionPenaltyLogitsProcessor: for every id present in the row (each once), a
     * negative score is multiplied by the penalty, any other divided by it.
     */
    record RepetitionPenalty(float penalty) implements LogitsProcessor {
        public RepetitionPenalty {
            if (!(penalty > 0)) {
                throw new IllegalArgumentException("repetition penalty must be > 0, got " + penalty);
            }
        }

        @Override
        public NDArray process(NDArray scores, int[][] ids) {
            NDArray index = DecodeState.array(scores.getManager(), ids, 0); // (R, L)
            NDArray seen = scores.gather(index, 1); // (R, L)
            NDArray p = Tensors.scalar(seen, penalty); // ()
            NDArray penalised = NDArrays.where(seen.lt(Tensors.scalar(seen, 0)), seen.mul(p), seen.div(p));
            // Duplicate ids write the same value twice: each id is penalised once.
            return scores.scatter(index, penalised, 1);
        }
    }

    /** HF's MinNewTokensLengthLogitsProcessor: every EOS is impossible while fewer than {@code min} tokens are new. */
    record MinNewTokens(int promptLength, int minNewTokens, List<Integer> eosIds) implements LogitsProcessor {
        @Override
        public NDArray process(NDArray scores, int[][] ids) {
            int newTokens = ids[0].length - promptLength;
            if (newTokens < minNewTokens) {
                NDArray filter = Tensors.scalar(scores, FILTER); // one device scalar a step, whatever the eos count
                for (int eos : eosIds) {
                    scores.set(new NDIndex(":, {}", eos), filter);
                }
            }
            return scores;
        }
    }

    /**
     * HF's NoRepeatNGramLogitsProcessor: a token that would complete an n-gram already present in the
     * row (prompt included) is banned.
     */
    record NoRepeatNGram(int n) implements LogitsProcessor {
        public NoRepeatNGram {
            if (n < 1) {
                throw new IllegalArgumentException("no_repeat_ngram_size must be >= 1, got " + n);
            }
        }

        @Override
        public NDArray process(NDArray scores, int[][] ids) {
            int rows = ids.length;
            int[][] banned = new int[rows][];
            int most = 0;
            for (int r = 0; r < rows; r++) {
                banned[r] = banned(ids[r]);
                most = Math.max(most, banned[r].length);
            }
            if (most == 0) {
                return scores;
            }
            // Rows with fewer bans repeat their first slot (or column 0 with its own value).
            long[] index = new long[rows * most];
            boolean[] ban = new boolean[rows * most];
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < most; j++) {
                    boolean real = j < banned[r].length;
                    index[r * most + j] = real ? banned[r][j] : banned[r].length > 0 ? banned[r][0] : 0;
                    ban[r * most + j] = real || banned[r].length > 0;
                }
            }
            NDManager m = scores.getManager();
            NDArray idx = Tensors.of(m, index, new Shape(rows, most)); // (R, K)
            NDArray current = scores.gather(idx, 1); // (R, K)
            return scores.scatter(idx, filtered(current, Tensors.of(m, ban, new Shape(rows, most))), 1);
        }

        /** Tokens that followed every earlier occurrence of the row's last n-1 tokens. */
        int[] banned(int[] row) {
            int len = row.length;
            if (len + 1 < n) {
                return new int[0];
            }
            int start = len + 1 - n;
            int[] out = new int[len];
            int count = 0;
            for (int j = 0; j + n <= len; j++) {
                if (Arrays.equals(row, j, j + n - 1, row, start, len)) {
                    out[count++] = row[j + n - 1];
                }
            }
            return Arrays.copyOf(out, count);
        }
    }

    /** HF's TemperatureLogitsWarper. */
    record Temperature(float temperature) implements LogitsProcessor {
        @Override
        public NDArray process(NDArray scores, int[][] ids) {
            return scores.div(Tensors.scalar(scores, temperature));
        }
    }

    /** HF's TopKLogitsWarper: scores below the k-th largest of their row are filtered. */
    record TopK(int k, int minTokensToKeep) implements LogitsProcessor {
        @Override
        public NDArray process(NDArray scores, int[][] ids) {
            int vocab = (int) scores.getShape().get(1);
            int keep = Math.min(Math.max(k, minTokensToKeep), vocab);
            NDArray kth = scores.topK(keep, 1, true, true).get(0).get(new NDIndex(":, -1:")); // (R, 1)
            return filtered(scores, scores.lt(kth));
        }
    }

    /**
     * HF's TopPLogitsWarper: ascending sort, cumulative softmax, drop tokens whose cumulative
     * probability is ≤ 1 − p, always keep the {@code minTokensToKeep} most likely.
     */
    record TopP(double p, int minTokensToKeep) implements LogitsProcessor {
        @Override
        public NDArray process(NDArray scores, int[][] ids) {
            NDArray order = scores.argSort(1, true); // (R, V) ascending
            NDArray sorted = scores.gather(order, 1); // (R, V)
            NDArray cumulative = sorted.softmax(1).cumSum(1); // (R, V)
            NDArray removeSorted = cumulative.lte(Tensors.scalar(cumulative, 1 - p)).toType(DataType.FLOAT32, false);
            removeSorted.set(new NDIndex(":, -" + minTokensToKeep + ":"), Tensors.scalar(removeSorted, 0));
            NDArray remove = removeSorted.scatter(order, removeSorted, 1); // back to vocabulary order
            return filtered(scores, remove.gt(Tensors.scalar(remove, 0.5)));
        }
    }
}
