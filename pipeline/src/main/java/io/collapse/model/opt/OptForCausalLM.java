package io.collapse.model.opt;

import io.collapse.config.OptConfig;
import io.collapse.model.CausalLM;

/**
 * HF's {@code OPTForCausalLM}: the decoder ({@code model.decoder}) plus an LM head tied to
 * {@code embed_tokens} (no parameter of its own).
 */
public final class OptForCausalLM extends CausalLM {

    /** The head is always tied ({@link OptConfig#tiedLmHead}), so {@code lm_head} never becomes a block. */
    public OptForCausalLM(OptConfig config) {
        super(config, "model", new OptModel(config), "lm_head");
    }
}
