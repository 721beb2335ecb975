package io.collapse.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import io.collapse.config.Gpt2Config;
import io.collapse.model.AttentionMasks;
import io.collapse.model.BaseModel;
import io.collapse.model.CausalLM;
import io.collapse.model.DecoderLayers;
import io.collapse.model.Embedding;
import io.collapse.model.KvCache;
import io.collapse.model.LayerNorm;
import io.collapse.model.ModuleList;
import io.collapse.model.PositionIds;

/**
 * HF's {@code GPT2Model} ({@code transformer}): token ({@code wte}) and learned position
 * ({@code wpe}) embeddings, the blocks {@code h}, a final {@code ln_f}. Letters: B batch, T new
 * positions, P cached positions, S = P + T, C n_embd.
 */
public final class Gpt2Model extends BaseModel {

    private final Gpt2Config config;
    private final float embdPdrop;
    private final Embedding wte;
    private final Embedding wpe;
    private final ModuleList<Gpt2Block> h;
    private final LayerNorm lnF;

    public Gpt2Model(Gpt2Config config) {
        this.config = config;
        this.embdPdrop = config.embdPdrop().floatValue();
        // wte first: CausalLM takes the first parameter for the token embedding. GPT-2 has no padding_idx.
        this.wte = addChildBlock("wte", new Embedding(config.vocabSize(), config.hiddenSize(), null));
        this.wpe = addChildBlock("wpe", new Embedding(config.maxPositionEmbeddings(), config.hiddenSize(), null));
        this.h = addChildBlock("h", new ModuleList<>());
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            h.add(new Gpt2Block(config, i));
        }
        this.lnF = addChildBlock("ln_f", new LayerNorm(config.hiddenSize(), true, config.layerNormEpsilon().floatValue()));
    }

    @Override
    public Embedding inputEmbeddings() {
        return wte;
    }

    /**
     * @param inputIds (B, T) int64, the new tokens
     * @param attentionMask (B, S) 1 for real tokens, 0 for pads, covering cached and new positions
     * @param positionIds (B, T) int64 rows of wpe, or null for HF generate's ({@link PositionIds#fromMask})
     * @param cache cached keys/values of the first P positions, or null (no cache wanted)
     * @return hidden (B, T, C) after ln_f, and HF's hidden_states (each block's input, then the output) if asked
     */
    @Override
    protected CausalLM.Body forward(ParameterStore ps, NDArray inputIds, NDArray attentionMask, NDArray positionIds,
            KvCache cache, boolean training, boolean outputHiddenStates) {
        long past = cache == null ? 0 : cache.length();
        NDArray positions = positionIds == null ? PositionIds.fromMask(attentionMask, past) : positionIds; // (B, T)
        NDArray hidden = wte.forward(ps, inputIds, training).add(wpe.forward(ps, positions, training)); // (B, T, C)
        if (training && embdPdrop > 0) {
            hidden = Dropout.dropout(hidden, embdPdrop, true).head();
        }
        NDArray attnMask = AttentionMasks.causal(attentionMask, inputIds.getShape().get(1), past, hidden.getDataType()); // (B, 1, T, S)

        return DecoderLayers.run(hidden, cache, h.size(), outputHiddenStates,
                (i, x, pastKey, pastValue) -> h.get(i).forward(ps, x, attnMask, pastKey, pastValue, training),
                x -> lnF.forward(ps, x, training)); // (B, T, C)
    }
}
