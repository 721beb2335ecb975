package io.collapse.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.collapse.config.Activation;
import io.collapse.config.Gpt2Config;
import io.collapse.model.Activations;
import io.collapse.model.Conv1D;
import io.collapse.model.HfBlock;

/** HF's {@code GPT2MLP}: Conv1D {@code c_fc} to n_inner (F), gelu_new, Conv1D {@code c_proj} back, dropout. */
public final class Gpt2Mlp extends HfBlock {

    private final Activation activation;
    private final float residPdrop;
    private final Conv1D cFc;
    private final Conv1D cProj;

    public Gpt2Mlp(Gpt2Config config) {
        this.activation = config.activation();
        this.residPdrop = config.residPdrop().floatValue();
        this.cFc = addChildBlock("c_fc", new Conv1D(config.hiddenSize(), config.intermediateSize()));
        this.cProj = addChildBlock("c_proj", new Conv1D(config.intermediateSize(), config.hiddenSize()));
    }

    /** (B, T, C) -> (B, T, C). */
    public NDArray forward(ParameterStore ps, NDArray hidden, boolean training) {
        NDArray f = Activations.apply(activation, cFc.forward(ps, hidden, training)); // (B, T, F)
        f = cProj.forward(ps, f, training); // (B, T, C)
        return dropout(f, residPdrop, training);
    }
}
