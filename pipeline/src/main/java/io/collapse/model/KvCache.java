package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDResource;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;

/**
 * Keys and values of every decoder layer for the positions seen so far, for incremental decoding.
 * Each array is (B, H, S, D): batch rows, heads, cached positions, head_dim. A cache is immutable:
 * {@link CausalLM#forward} returns a grown one, {@link #reorder} a reindexed one; the caller
 * closes the old one when it is done with it (or lets its manager do it). As an {@link NDResource}
 * it can be handed up with {@code manager.ret(cache)}.
 */
public final class KvCache implements NDResource {

    private final int numLayers;
    private final NDList arrays; // k0, v0, k1, v1, … ; empty before the first forward

    private KvCache(int numLayers, NDList arrays) {
        this.numLayers = numLayers;
        this.arrays = arrays;
    }

    /** A cache with no positions yet: pass it to the first forward (the prompt). */
    public static KvCache empty(int numLayers) {
        return new KvCache(numLayers, new NDList());
    }

    static KvCache of(List<NDArray> keys, List<NDArray> values) {
        NDList list = new NDList(2 * keys.size());
        for (int i = 0; i < keys.size(); i++) {
            list.add(keys.get(i));
            list.add(values.get(i));
        }
        return new KvCache(keys.size(), list);
    }

    public int numLayers() {
        return numLayers;
    }

    public boolean isEmpty() {
        return arrays.isEmpty();
    }

    /** S: positions cached (prompt, left pads included, plus generated), 0 when empty. */
    public long length() {
        return isEmpty() ? 0 : arrays.get(0).getShape().get(2);
    }

    /** The positions {@code cache} holds; 0 for null (no cache wanted) as for an empty one. */
    public static long lengthOf(KvCache cache) {
        return cache == null ? 0 : cache.length();
    }

    /** B: batch rows (beams × items in beam search); -1 when empty. */
    public long batchSize() {
        return isEmpty() ? -1 : arrays.get(0).getShape().get(0);
    }

    /** (B, H, S, D), or null when empty. */
    public NDArray key(int layer) {
        return isEmpty() ? null : arrays.get(2 * layer);
    }

    /** (B, H, S, D), or null when empty. */
    public NDArray value(int layer) {
        return isEmpty() ? null : arrays.get(2 * layer + 1);
    }

    /**
     * Row i of the result is row {@code batchIdx[i]} of this cache (beam search: the beams chosen
     * this step; rows may repeat or be dropped). {@code batchIdx} is (B') int64; the new arrays are
     * attached to its manager. This cache is left as it is.
     */
    public KvCache reorder(NDArray batchIdx) {
        if (isEmpty()) {
            return this;
        }
        NDManager target = batchIdx.getManager();
        NDIndex index = new NDIndex("{}", batchIdx);
        NDList out = new NDList(arrays.size());
        for (NDArray a : arrays) {
            out.add(a.get(target, index)); // (B', H, S, D)
        }
        return new KvCache(numLayers, out);
    }

    @Override
    public NDManager getManager() {
        return isEmpty() ? null : arrays.getManager();
    }

    @Override
    public List<NDArray> getResourceNDArrays() {
        return arrays;
    }

    @Override
    public void attach(NDManager manager) {
        arrays.attach(manager);
    }

    @Override
    public void tempAttach(NDManager manager) {
        arrays.tempAttach(manager);
    }

    @Override
    public void detach() {
        arrays.detach();
    }

    @Override
    public void close() {
        arrays.close();
    }
}
