package io.collapse.model.neox;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.collapse.config.GptNeoXConfig;
import io.collapse.model.CausalLM;
import io.collapse.model.KvCache;
import io.collapse.model.Linear;

/**
 * HF's {@code GPTNeoXForCausalLM}: the base model ({@code gpt_neox}) plus the LM head
 * {@code embed_out} (V, C), a parameter of its own unless tie_word_embeddings (Pythia: untied).
 * transformers 5.17 names the head {@code lm_head} in memory; checkpoints, Pythia's and what its
 * save_pretrained writes, say {@code embed_out}, which is the name kept here.
 */
public final class GptNeoXForCausalLM extends CausalLM {

    private final GptNeoXConfig config;
    private final GptNeoXModel model;
    private final Linear embedOut; // null when tied

    public GptNeoXForCausalLM(GptNeoXConfig config) {
        this.config = config;
        this.model = addChildBlock("gpt_neox", new GptNeoXModel(config));
        this.embedOut = config.tiedLmHead()
                ? null
                : addChildBlock("embed_out", new Linear(config.hiddenSize(), config.vocabSize(), false));
    }

    @Override
    public GptNeoXConfig config() {
        return config;
    }

    /** HF's GPT-NeoX takes position_ids: generate passes its own, a bare forward an arange (pads counted). */
    @Override
    protected Body body(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray positionIds, KvCache cache,
            boolean training, boolean outputHiddenStates) {
        return model.forward(ps, inputIds, attentionMask, positionIds, cache, training, outputHiddenStates);
    }

    @Override
    protected NDArray headWeight(ParameterStore ps, Device device, boolean training) {
        return embedOut == null ? model.embedIn().weight(ps, device, training) : embedOut.weight(ps, device, training);
    }
}
