package io.collapse.model.llama;

import io.collapse.config.LlamaConfig;
import io.collapse.model.CausalLM;
import io.collapse.model.PositionIds;

/**
 * HF's {@code LlamaForCausalLM} and {@code Qwen2ForCausalLM}: the model ({@code model.}) plus an
 * {@code lm_head} of its own, or none where tie_word_embeddings shares {@code embed_tokens}
 * (SmolLM2, Llama 3.2 1B). Positions are HF's position_ids when given, else HF generate's
 * ({@link PositionIds#fromMask}), which HF's forward shares except under left padding.
 */
public final class LlamaForCausalLM extends CausalLM {

    public LlamaForCausalLM(LlamaConfig config) {
        super(config, "model", new LlamaModel(config), "lm_head");
    }
}
