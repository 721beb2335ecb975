package io.collapse.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.collapse.config.Gpt2Config;
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

    private final float embdPdrop;
    private final Embedding wte;
    private final Embedding wpe;
    private final ModuleList<Gpt2Block> h;
    private final LayerNorm lnF;

    public Gpt2Model(Gpt2Config config) {
        this.embdPdrop = config.embdPdrop().floatValue();
        this.wte = addInputEmbeddings("wte", new Embedding(config.vocabSize(), config.hiddenSize(), null)); // no padding_idx
        this.wpe = addChildBlock("wpe", new Embedding(config.maxPositionEmbeddings(), config.hiddenSize(), null));
        this.h = addChildBlock("h", ModuleList.of(config.numHiddenLayers(), i -> new Gpt2Block(config, i)));
        this.lnF = addChildBlock("ln_f", new LayerNorm(config.hiddenSize(), true, config.layerNormEpsilon().floatValue()));
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
        NDArray positions = PositionIds.orFromMask(positionIds, attentionMask, cache); // (B, T)
        NDArray hidden = wte.forward(ps, inputIds, training).add(wpe.forward(ps, positions, training)); // (B, T, C)
        hidden = dropout(hidden, embdPdrop, training);
        return DecoderLayers.run(hidden, attentionMask, cache, h, outputHiddenStates,
                (block, x, attnMask, pastKey, pastValue) -> block.forward(ps, x, attnMask, pastKey, pastValue, training),
                x -> lnF.forward(ps, x, training)); // (B, T, C)
    }
}
