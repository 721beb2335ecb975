package io.collapse.model.gpt2;

import io.collapse.config.Gpt2Config;
import io.collapse.model.CausalLM;

/**
 * HF's {@code GPT2LMHeadModel}: the model ({@code transformer}) plus an LM head tied to {@code wte}
 * (gpt2, distilgpt2), or its own {@code lm_head.weight} (V, C) where tie_word_embeddings is false.
 */
public final class Gpt2LMHeadModel extends CausalLM {

    public Gpt2LMHeadModel(Gpt2Config config) {
        super(config, "transformer", new Gpt2Model(config), "lm_head");
    }

    /** HF's GPT-2 init: the residual projections ({@code c_proj}) get std / sqrt(2 · n_layer). */
    @Override
    protected void adjustInit(String key, float[] values) {
        if (key.endsWith(".c_proj.weight")) {
            float factor = (float) (1 / Math.sqrt(2.0 * config().numHiddenLayers()));
            for (int i = 0; i < values.length; i++) {
                values[i] *= factor;
            }
        }
    }
}
