package io.collapse.model.opt;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.collapse.config.OptConfig;
import io.collapse.model.CausalLM;
import io.collapse.model.KvCache;
import java.util.Arrays;

/**
 * HF's {@code OPTForCausalLM}: the decoder ({@code model.decoder}) plus an LM head tied to
 * {@code embed_tokens} (no parameter of its own).
 */
public final class OptForCausalLM extends CausalLM {

    private static final String EMBED_TOKENS = "model.decoder.embed_tokens.weight";

    private final OptConfig config;
    private final OptDecoder decoder;

    public OptForCausalLM(OptConfig config) {
        this.config = config;
        this.decoder = addChildBlock("model", new OptModel(config)).decoder();
    }

    @Override
    public OptConfig config() {
        return config;
    }

    /** OPT's positions follow the attention mask alone (transformers 4.35): explicit ones are refused. */
    @Override
    protected Body body(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray positionIds, KvCache cache,
            boolean training, boolean outputHiddenStates) {
        if (positionIds != null) {
            throw new IllegalArgumentException("opt takes no position_ids: its positions follow the attention mask");
        }
        return decoder.forward(ps, inputIds, attentionMask, cache, training, outputHiddenStates);
    }

    @Override
    protected NDArray headWeight(ParameterStore ps, Device device, boolean training) {
        return decoder.embedTokens().weight(ps, device, training);
    }

    /** HF zeroes the pad row of embed_tokens. */
    @Override
    protected void adjustInit(String key, Shape shape, float[] values) {
        if (key.equals(EMBED_TOKENS)) {
            int dim = (int) shape.get(1);
            Arrays.fill(values, config.padTokenId() * dim, (config.padTokenId() + 1) * dim, 0f);
        }
    }
}
