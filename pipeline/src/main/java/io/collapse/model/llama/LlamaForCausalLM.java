package io.collapse.model.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.collapse.config.LlamaConfig;
import io.collapse.model.CausalLM;
import io.collapse.model.KvCache;
import io.collapse.model.Linear;
import io.collapse.model.PositionIds;
import java.util.Arrays;

/**
 * HF's {@code LlamaForCausalLM} and {@code Qwen2ForCausalLM}: the model ({@code model.}) plus an
 * {@code lm_head} of its own, or none where tie_word_embeddings shares {@code embed_tokens}
 * (SmolLM2, Llama 3.2 1B). Positions are HF's position_ids when given, else HF generate's
 * ({@link PositionIds#fromMask}), which HF's forward shares except under left padding.
 */
public final class LlamaForCausalLM extends CausalLM {

    private static final String EMBED_TOKENS = "model.embed_tokens.weight";

    private final LlamaConfig config;
    private final LlamaModel model;
    private final Linear lmHead; // null when tied

    public LlamaForCausalLM(LlamaConfig config) {
        this.config = config;
        this.model = addChildBlock("model", new LlamaModel(config));
        this.lmHead = config.tiedLmHead() ? null
                : addChildBlock("lm_head", new Linear(config.hiddenSize(), config.vocabSize(), false));
    }

    @Override
    public LlamaConfig config() {
        return config;
    }

    public LlamaModel model() {
        return model;
    }

    @Override
    protected Body body(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray positionIds, KvCache cache,
            boolean training, boolean outputHiddenStates) {
        return model.forward(ps, inputIds, attentionMask, positionIds, cache, training, outputHiddenStates);
    }

    @Override
    protected NDArray headWeight(ParameterStore ps, Device device, boolean training) {
        return lmHead == null ? model.embedTokens().weight(ps, device, training) : lmHead.weight(ps, device, training);
    }

    /** HF zeroes the pad row of embed_tokens, where the config names a pad token. */
    @Override
    protected void adjustInit(String key, Shape shape, float[] values) {
        Integer pad = config.padTokenId();
        if (pad != null && key.equals(EMBED_TOKENS)) {
            int dim = (int) shape.get(1);
            Arrays.fill(values, pad * dim, (pad + 1) * dim, 0f);
        }
    }
}
