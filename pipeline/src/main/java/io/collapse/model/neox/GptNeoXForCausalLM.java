package io.collapse.model.neox;

import io.collapse.config.GptNeoXConfig;
import io.collapse.model.CausalLM;

/**
 * HF's {@code GPTNeoXForCausalLM}: the base model ({@code gpt_neox}) plus the LM head
 * {@code embed_out} (V, C), a parameter of its own unless tie_word_embeddings (Pythia: untied).
 * transformers 5.17 names the head {@code lm_head} in memory; checkpoints, Pythia's and what its
 * save_pretrained writes, say {@code embed_out}, which is the name kept here.
 */
public final class GptNeoXForCausalLM extends CausalLM {

    public GptNeoXForCausalLM(GptNeoXConfig config) {
        super(config, "gpt_neox", new GptNeoXModel(config), "embed_out");
    }
}
