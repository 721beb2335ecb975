package io.collapse.generate;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.collapse.config.GenerationConfig;
import io.collapse.config.SpecialTokens;
import io.collapse.model.CausalLM;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code model.generate(...)} for an OPT model: greedy, beam search or sampling as transformers 4.35
 * does them, on batches of left-padded prompts.
 */
public final class Generator {

    /** The pad id of a model with no pad and no eos: no token has it. */
    private static final int NO_PAD = -1;

    private final CausalLM model;
    private final GenerationConfig cfg;
    private final int padId;
    private final List<Integer> eosIds;

    /**
     * Stops at and pads with config.json's ids: for a model that has no directory (a preset, a
     * bench). A model directory's own are {@code HfModelDir.specialTokens}, which HF's generate uses.
     */
    public Generator(CausalLM model, GenerationConfig cfg) {
        this(model, cfg, SpecialTokens.of(model.config()));
    }

    /**
     * Stops at {@code tokens}' eos ids and pads with its pad id, else the first eos; with neither
     * (a generation_config.json without them), as HF: no row ends early, so none is padded.
     */
    public Generator(CausalLM model, GenerationConfig cfg, SpecialTokens tokens) {
        this.model = model;
        this.cfg = cfg;
        this.eosIds = tokens.eosTokenIds();
        this.padId = tokens.padOrEos().orElse(NO_PAD);
    }

    public GenerationConfig config() {
        return cfg;
    }

    public int vocabSize() {
        return model.config().vocabSize();
    }

    public int padId() {
        return padId;
    }

    /** The ids that end a row (one, or several as in Llama 3.1/3.2 instruct; none for a model without eos). */
    public List<Integer> eosIds() {
        return eosIds;
    }

    /**
     * Continues every prompt.
     *
     * @param inputIds (B, T) prompts, left-padded with the pad id to a common width
     * @param attentionMask (B, T) 1 = token, 0 = pad; null does what HF does without one: mask the
     *     pad ids if any occur, else attend to everything
     * @param firstPromptIndex global index of row 0 (sampling derives each prompt's random stream
     *     from it, so results do not depend on how prompts are batched)
     * @param manager parent of every array created, on the model's device; nothing stays attached to it
     *     afterwards
     */
    public GenerateResult generate(int[][] inputIds, int[][] attentionMask, long firstPromptIndex,
            NDManager manager) {
        validate(inputIds, attentionMask);
        Device modelDevice = model.device();
        if (!manager.getDevice().equals(modelDevice)) {
            // Caught here, not as a libtorch device error deep in a matmul.
            throw new IllegalArgumentException("generate: the manager is on " + manager.getDevice()
                    + " but the model on " + modelDevice + "; make the arrays on the model's device");
        }
        int[][] mask = attentionMask != null ? attentionMask : defaultMask(inputIds);
        int promptLength = inputIds[0].length;
        int copies = cfg.rowsPerPrompt();
        try (DecodeState state = new DecodeState(model, inputIds, mask, copies, cfg.useCache(), manager)) {
            List<LogitsProcessor> processors = LogitsProcessor.processors(cfg, promptLength, eosIds);
            switch (cfg.strategy()) {
                case BEAM:
                    return BeamSearch.run(state, processors, cfg, padId, eosIds);
                case GREEDY:
                    return Sampling.run(state, processors, Sampler.GREEDY, cfg.maxNewTokens(), padId, eosIds);
                default: // SAMPLE
                    List<LogitsProcessor> all = new ArrayList<>(processors);
                    all.addAll(LogitsProcessor.warpers(cfg));
                    Sampler sampler = Sampler.multinomial(cfg.seed(), firstPromptIndex, copies, state.rows());
                    return Sampling.run(state, all, sampler, cfg.maxNewTokens(), padId, eosIds);
            }
        }
    }

    /** HF's {@code _prepare_attention_mask_for_generation}: ids != pad when a pad occurs (and pad is no eos). */
    int[][] defaultMask(int[][] ids) {
        boolean padIsEos = eosIds.contains(padId);
        boolean padSeen = false;
        int[][] mask = new int[ids.length][];
        for (int r = 0; r < ids.length; r++) {
            mask[r] = new int[ids[r].length];
            for (int t = 0; t < ids[r].length; t++) {
                padSeen |= ids[r][t] == padId && !padIsEos;
            }
        }
        for (int r = 0; r < ids.length; r++) {
            for (int t = 0; t < ids[r].length; t++) {
                mask[r][t] = padSeen && ids[r][t] == padId ? 0 : 1;
            }
        }
        return mask;
    }

    /** Refuses prompts of {@code width} whose continuations would pass the model's positions. */
    public void checkPositions(int width) {
        int maxPositions = model.config().maxPositionEmbeddings();
        if ((long) width + cfg.maxNewTokens() > maxPositions) {
            throw new IllegalArgumentException("generate: prompt width " + width + " + max_new_tokens "
                    + cfg.maxNewTokens() + " exceeds max_position_embeddings " + maxPositions);
        }
    }

    private void validate(int[][] ids, int[][] mask) {
        if (ids.length == 0 || ids[0].length == 0) {
            throw new IllegalArgumentException("generate: input_ids must have at least one row and one column");
        }
        int width = ids[0].length;
        int vocab = model.config().vocabSize();
        checkPositions(width);
        for (int r = 0; r < ids.length; r++) {
            if (ids[r].length != width || (mask != null && mask[r].length != width)) {
                throw new IllegalArgumentException("generate: row " + r + " has width " + ids[r].length
                        + "; every row of input_ids and attention_mask must have width " + width);
            }
            for (int id : ids[r]) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("generate: token id " + id + " in row " + r
                            + " is outside [0, vocab_size=" + vocab + ")");
                }
            }
        }
        if (mask != null && mask.length != ids.length) {
            throw new IllegalArgumentException("generate: attention_mask has " + mask.length + " rows, input_ids "
                    + ids.length);
        }
    }
}
