package io.collapse.model.opt;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.collapse.config.OptConfig;
import io.collapse.model.HfBlock;

/** HF's {@code OPTModel}: only a wrapper around the decoder, kept so that keys start {@code model.decoder.}. */
public final class OptModel extends HfBlock {

    private final OptDecoder decoder;

    public OptModel(OptConfig config) {
        this.decoder = addChildBlock("decoder", new OptDecoder(config));
    }

    public OptDecoder decoder() {
        return decoder;
    }

    /** (input_ids, attention_mask) -> (last hidden state (B, T, E)). */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return decoder.forward(ps, inputs, training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return decoder.getOutputShapes(inputShapes);
    }
}
