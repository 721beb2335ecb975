package io.collapse.model.opt;

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
}
