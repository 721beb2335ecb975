package io.collapse.model.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.collapse.config.Activation;
import io.collapse.config.LlamaConfig;
import io.collapse.model.Activations;
import io.collapse.model.HfBlock;
import io.collapse.model.Linear;

/** HF's {@code LlamaMLP}, SwiGLU: {@code down_proj(act(gate_proj(x)) · up_proj(x))}. C hidden, F intermediate. */
public final class LlamaMLP extends HfBlock {

    private final Activation activation;
    private final Linear gateProj;
    private final Linear upProj;
    private final Linear downProj;

    public LlamaMLP(LlamaConfig config) {
        int c = config.hiddenSize();
        int f = config.intermediateSize();
        this.activation = config.activation();
        this.gateProj = addChildBlock("gate_proj", new Linear(c, f, config.mlpBiasOn()));
        this.upProj = addChildBlock("up_proj", new Linear(c, f, config.mlpBiasOn()));
        this.downProj = addChildBlock("down_proj", new Linear(f, c, config.mlpBiasOn()));
    }

    /** (B, T, C) → (B, T, C). */
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray gate = Activations.apply(activation, gateProj.forward(ps, x, training)); // (B, T, F)
        NDArray up = upProj.forward(ps, x, training); // (B, T, F)
        return downProj.forward(ps, gate.mul(up), training); // (B, T, C)
    }
}
