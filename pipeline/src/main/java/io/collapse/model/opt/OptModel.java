package io.collapse.model.opt;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.collapse.config.OptConfig;
import io.collapse.model.BaseModel;
import io.collapse.model.CausalLM;
import io.collapse.model.Embedding;
import io.collapse.model.KvCache;

/** HF's {@code OPTModel}: only a wrapper around the decoder, kept so that keys start {@code model.decoder.}. */
public final class OptModel extends BaseModel {

    private final OptDecoder decoder;

    public OptModel(OptConfig config) {
        this.decoder = addChildBlock("decoder", new OptDecoder(config));
    }

    @Override
    public Embedding inputEmbeddings() {
        return decoder.inputEmbeddings();
    }

    @Override
    protected CausalLM.Body forward(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray positionIds,
            KvCache cache, boolean training, boolean outputHiddenStates) {
        return decoder.forward(ps, inputIds, attentionMask, positionIds, cache, training, outputHiddenStates);
    }
}
