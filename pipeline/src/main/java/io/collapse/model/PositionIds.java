package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * HF's position ids for families with absolute or rotary positions (GPT-2, Llama, GPT-NeoX; OPT has
 * its own rule). Letters: B batch, T new positions, P cached positions, S = P + T.
 */
public final class PositionIds {

    private PositionIds() {}

    /**
     * What HF's {@code generate} passes (transformers 5.17 {@code _prepare_position_ids_for_generation},
     * then one more per step): {@code cumsum(mask) - 1}, pads 0, so a row's first real token is at
     * position 0 however much left padding precedes it. Without padding it is HF's forward default,
     * {@code arange(P, S)}; under left padding HF's forward (no position_ids) would count the pads
     * instead: pass those to {@link CausalLM#forward} explicitly to get HF's forward there.
     *
     * @param attentionMask (B, S) int64, covering the cached positions too
     * @return (B, T) int64, the positions of the last T = S − P columns
     */
    public static NDArray fromMask(NDArray attentionMask, long past) {
        NDArray counts = attentionMask.cumSum(1); // (B, S)
        NDArray positions = counts.sub(Tensors.scalar(counts, 1)).mul(attentionMask); // (B, S)
        return past == 0 ? positions : positions.get(new NDIndex(":, " + past + ":")); // (B, T)
    }

    /** {@code positionIds} (B, T) where the caller gave them, else {@link #fromMask} for the positions after the cache. */
    public static NDArray orFromMask(NDArray positionIds, NDArray attentionMask, KvCache cache) {
        return positionIds != null ? positionIds : fromMask(attentionMask, KvCache.lengthOf(cache));
    }
}
