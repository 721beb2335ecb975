package io.collapse.model.gpt2;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.collapse.config.Gpt2Config;
import io.collapse.model.CausalLM;
import io.collapse.model.KvCache;
import io.collapse.model.Linear;

/**
 * HF's {@code GPT2LMHeadModel}: the model ({@code transformer}) plus an LM head tied to {@code wte}
 * (gpt2, distilgpt2), or its own {@code lm_head.weight} (V, C) where tie_word_embeddings is false.
 */
public final class Gpt2LMHeadModel extends CausalLM {

    private final Gpt2Config config;
    private final Gpt2Model transformer;
    private final Parameter lmHead; // (V, C), null when tied

    public Gpt2LMHeadModel(Gpt2Config config) {
        this.config = config;
        this.transformer = addChildBlock("transformer", new Gpt2Model(config));
        this.lmHead = config.tiedLmHead() ? null
                : addChildBlock("lm_head", new Linear(config.hiddenSize(), config.vocabSize(), false))
                        .getDirectParameters().get("weight");
    }

    @Override
    public Gpt2Config config() {
        return config;
    }

    /** HF's GPT-2 takes position_ids: generate passes its own, a bare forward an arange (pads counted). */
    @Override
    protected Body body(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray positionIds, KvCache cache,
            boolean training, boolean outputHiddenStates) {
        return transformer.forward(ps, inputIds, attentionMask, positionIds, cache, training, outputHiddenStates);
    }

    @Override
    protected NDArray headWeight(ParameterStore ps, Device device, boolean training) {
        return lmHead == null ? transformer.wte().weight(ps, device, training) : ps.getValue(lmHead, device, training);
    }

    /** HF's GPT-2 init: the residual projections ({@code c_proj}) get std / sqrt(2 · n_layer). */
    @Override
    protected void adjustInit(String key, Shape shape, float[] values) {
        if (key.endsWith(".c_proj.weight")) {
            float factor = (float) (1 / Math.sqrt(2.0 * config.numHiddenLayers()));
            for (int i = 0; i < values.length; i++) {
                values[i] *= factor;
            }
        }
    }
}
