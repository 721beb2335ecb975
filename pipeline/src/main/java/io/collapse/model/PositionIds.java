package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * How HF numbers the new positions of families whose forward takes {@code position_ids} (GPT-2,
 * Llama, Qwen2, GPT-NeoX; OPT always derives them from the mask itself). HF's two paths disagree
 * under left padding: a plain {@code model(ids, attention_mask)} counts from the first column, pads
 * included; {@code generate()} passes ids counted from each row's first real token. {@link
 * CausalLM#forward} follows the first, {@link CausalLM#forwardLast} (decoding) the second, so both
 * give HF's numbers. Letters: B batch, P cached positions, T new positions, S = P + T.
 */
public enum PositionIds {

    /** HF's forward without position_ids: {@code arange(T) + P} for every row, the mask ignored; (1, T). */
    FORWARD,

    /**
     * {@code generate()}'s {@code (cumsum(mask) - 1).masked_fill(mask == 0, 0)} over all S positions,
     * the new ones kept; (B, T). Its later steps pass the last position + 1, the same number while
     * the prompt ends in a real token (left padding).
     */
    GENERATE;

    /**
     * @param attentionMask (B, S) int64, 1 real, 0 pad
     * @param past P
     * @return int64 position ids, (1, T) for FORWARD, (B, T) for GENERATE
     */
    public NDArray of(NDArray attentionMask, long past) {
        long s = attentionMask.getShape().get(1);
        if (this == FORWARD) {
            return attentionMask.getManager().arange((int) past, (int) s, 1, DataType.INT64, attentionMask.getDevice())
                    .reshape(1, s - past); // (1, T)
        }
        NDArray positions = attentionMask.cumSum(1).sub(Tensors.scalar(attentionMask, 1)).mul(attentionMask); // (B, S)
        return past == 0 ? positions : positions.get(new NDIndex(":, {}:", past)); // (B, T)
    }
}
