package io.collapse.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Causal LM cross-entropy as HF's {@code OPTForCausalLM(labels=input_ids)}: logits at t predict the id at t+1. */
public final class LmLoss {

    private LmLoss() {}

    /** Summed negative log-likelihood over the B·(T−1) shifted targets; divide by their count for HF's mean. */
    public static NDArray nllSum(NDArray logits, NDArray inputIds) {
        return tokenNll(logits, inputIds).sum(); // ()
    }

    /** Negative log-likelihood of every shifted target. */
    public static NDArray tokenNll(NDArray logits, NDArray inputIds) {
        // The whole logits, then the shifted rows: slicing first made torch copy the (B, T-1, V) logits
        // to make them contiguous. The same bits as slicing first on the CPU, which computes each row
        // alone, and on CUDA where rows start 16-byte aligned either way (V a multiple of 4, as OPT's).
        NDArray logProbs = logits.logSoftmax(2).get(":, :-1, :"); // (B, T-1, V)
        NDArray targets = inputIds.get(":, 1:").toType(DataType.INT64, false).expandDims(2); // (B, T-1, 1)
        return logProbs.gather(targets, 2).squeeze(2).neg(); // (B, T-1)
    }
}
