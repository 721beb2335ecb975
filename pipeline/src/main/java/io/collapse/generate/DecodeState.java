package io.collapse.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.collapse.model.CausalLM;
import io.collapse.model.CausalLMOutput;
import io.collapse.model.KvCache;
import io.collapse.model.Scope;
import io.collapse.model.Tensors;
import java.util.Arrays;

/**
 * The rows being decoded: their ids and attention masks on the host (what processors and beam
 * bookkeeping read), and the model's KV cache on the device. Rows are appended to one token at a
 * time and reselected (beam reordering, finished rows leaving).
 *
 * <p>With the cache, the prompt runs once per prompt (not once per beam or sample) and the cache is
 * then expanded to the copies; each later step feeds only the new column. Without it, every step
 * reruns the full forward over the whole rows, as the reference the cache is tested against.
 *
 * <p>The cache lives in this state's scope; each decoding step runs in a {@link #step} scope under
 * it, which keeps the grown cache and takes the one it replaces along when it closes.
 */
final class DecodeState implements AutoCloseable {

    private final CausalLM model;
    private final Scope scope;
    private final boolean useCache;
    private final int copies;
    private int[][] ids; // (R, L)
    private int[][] mask; // (R, L)
    private KvCache cache; // covers the first cache.length() columns of every row; null before the prompt ran

    /**
     * @param prompts (B, T) ids, left-padded
     * @param attentionMask (B, T) 1 for real tokens, 0 for pads
     * @param copies rows per prompt (beams, or samples per prompt); row r continues prompt r / copies
     */
    DecodeState(CausalLM model, int[][] prompts, int[][] attentionMask, int copies, boolean useCache,
            NDManager parent) {
        this.model = model;
        this.scope = Scope.of(parent);
        this.useCache = useCache;
        this.copies = copies;
        this.ids = new int[prompts.length * copies][];
        this.mask = new int[prompts.length * copies][];
        for (int r = 0; r < ids.length; r++) {
            ids[r] = prompts[r / copies];
            mask[r] = attentionMask[r / copies];
        }
    }

    int rows() {
        return ids.length;
    }

    /** L: the current row length (prompt + tokens appended). */
    int length() {
        return ids[0].length;
    }

    /** The current rows (R, L); neither the array nor its rows change afterwards, so callers may keep them. */
    int[][] ids() {
        return ids;
    }

    /** A scope for one decoding step, under this state's: what {@link #nextLogits} makes goes in it. */
    Scope step() {
        return scope.child();
    }

    /**
     * Next-token logits (R, V) float32 of every row. Inputs and outputs of the forward stay in
     * {@code step}, except the grown cache, which this state keeps.
     */
    NDArray nextLogits(Scope step) {
        NDManager m = step.manager();
        if (!useCache) {
            return model.forwardLast(array(m, ids, 0), array(m, mask, 0), null).logits();
        }
        if (cache == null) {
            // The prompt, once per prompt; then every copy gets the prompt's cache and logits.
            int prompts = ids.length / copies;
            int[][] firstIds = new int[prompts][];
            int[][] firstMask = new int[prompts][];
            for (int b = 0; b < prompts; b++) {
                firstIds[b] = ids[b * copies];
                firstMask[b] = mask[b * copies];
            }
            CausalLMOutput out = model.forwardLast(array(m, firstIds, 0), array(m, firstMask, 0),
                    KvCache.empty(model.config().numHiddenLayers()));
            cache = step.keep(out.cache());
            NDArray logits = out.logits(); // (B, V)
            if (copies == 1) {
                return logits;
            }
            long[] expand = new long[ids.length];
            for (int r = 0; r < expand.length; r++) {
                expand[r] = r / copies;
            }
            reorderCache(expand);
            return logits.get(new NDIndex("{}", Tensors.of(m, expand))); // (R, V)
        }
        CausalLMOutput out = model.forwardLast(array(m, ids, (int) cache.length()), array(m, mask, 0), cache);
        step.own(cache); // the cache it grew from closes with the step
        cache = step.keep(out.cache());
        return out.logits(); // (R, V)
    }

    /** Every row gets {@code tokens[r]} appended; the mask grows by a 1. */
    void append(int[] tokens) {
        int[][] newIds = new int[ids.length][];
        int[][] newMask = new int[ids.length][];
        for (int r = 0; r < ids.length; r++) {
            newIds[r] = Arrays.copyOf(ids[r], ids[r].length + 1);
            newIds[r][ids[r].length] = tokens[r];
            newMask[r] = Arrays.copyOf(mask[r], mask[r].length + 1);
            newMask[r][mask[r].length] = 1;
        }
        ids = newIds;
        mask = newMask;
    }

    /** Row i becomes old row {@code rows[i]} (rows may repeat or be dropped); the cache follows. */
    void select(int[] rows) {
        int[][] newIds = new int[rows.length][];
        int[][] newMask = new int[rows.length][];
        long[] index = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            newIds[i] = ids[rows[i]];
            newMask[i] = mask[rows[i]];
            index[i] = rows[i];
        }
        ids = newIds;
        mask = newMask;
        if (cache != null) {
            reorderCache(index);
        }
    }

    private void reorderCache(long[] rows) {
        try (Scope reorder = scope.child()) {
            reorder.own(cache); // the old rows and the index close here
            cache = reorder.keep(cache.reorder(Tensors.of(reorder.manager(), rows)));
        }
    }

    /** Columns {@code from..} of the rows as an int64 (R, L − from) array, as the model and torch's gather/scatter want them. */
    static NDArray array(NDManager m, int[][] rows, int from) {
        int width = rows.length == 0 ? 0 : rows[0].length - from;
        long[] flat = new long[rows.length * width];
        for (int r = 0; r < rows.length; r++) {
            for (int t = 0; t < width; t++) {
                flat[r * width + t] = rows[r][from + t];
            }
        }
        return Tensors.of(m, flat, new Shape(rows.length, width)); // (R, T)
    }

    @Override
    public void close() {
        scope.close();
    }
}
