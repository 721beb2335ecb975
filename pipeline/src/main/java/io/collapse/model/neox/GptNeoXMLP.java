package io.collapse.model.neox;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.collapse.config.Activation;
import io.collapse.config.GptNeoXConfig;
import io.collapse.model.Activations;
import io.collapse.model.HfBlock;
import io.collapse.model.Linear;

/** HF's {@code GPTNeoXMLP}: dense_h_to_4h, the activation (Pythia: exact gelu), dense_4h_to_h. (B, T, C) → (B, T, C). */
public final class GptNeoXMLP extends HfBlock {

    private final Activation act;
    private final Linear denseHTo4h;
    private final Linear dense4hToH;

    public GptNeoXMLP(GptNeoXConfig config) {
        this.act = config.activation();
        // Both with biases whatever attention_bias says, as HF.
        this.denseHTo4h = addChildBlock("dense_h_to_4h", new Linear(config.hiddenSize(), config.intermediateSize(), true));
        this.dense4hToH = addChildBlock("dense_4h_to_h", new Linear(config.intermediateSize(), config.hiddenSize(), true));
    }

    public NDArray forward(ParameterStore ps, NDArray hidden, boolean training) {
        NDArray h = Activations.apply(act, denseHTo4h.forward(ps, hidden, training)); // (B, T, I)
        return dense4hToH.forward(ps, h, training); // (B, T, C)
    }
}
