package io.collapse.model.auto;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.config.Gpt2Config;
import io.collapse.config.GptNeoXConfig;
import io.collapse.config.LlamaConfig;
import io.collapse.config.LmConfig;
import io.collapse.config.OptConfig;
import io.collapse.model.CausalLM;
import io.collapse.model.gpt2.Gpt2LMHeadModel;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import io.collapse.model.llama.LlamaForCausalLM;
import io.collapse.model.neox.GptNeoXForCausalLM;
import io.collapse.model.opt.OptForCausalLM;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** HF's {@code AutoModelForCausalLM}: the family's model class for a config. A new family adds its case to {@link #of}. */
public final class AutoModelForCausalLM {

    private AutoModelForCausalLM() {}

    /** A model without weights (see {@link CausalLM}'s life cycle). */
    public static CausalLM of(LmConfig config) {
        if (config instanceof OptConfig opt) {
            return new OptForCausalLM(opt);
        }
        if (config instanceof Gpt2Config gpt2) {
            return new Gpt2LMHeadModel(gpt2);
        }
        if (config instanceof LlamaConfig llama) {
            return new LlamaForCausalLM(llama);
        }
        if (config instanceof GptNeoXConfig neox) {
            return new GptNeoXForCausalLM(neox);
        }
        throw new IllegalArgumentException("no model for model_type '" + config.modelType() + "'");
    }

    /** A model on {@code manager} with the weights of an HF state dict (see {@link CausalLM#loadStateDict}). */
    public static CausalLM fromStateDict(LmConfig config, Map<String, HostTensor> stateDict, NDManager manager,
            DataType dtype) {
        CausalLM lm = of(config);
        lm.loadStateDict(stateDict, manager, dtype);
        return lm;
    }

    /**
     * HF's {@code from_pretrained} for a local folder: its config.json and weights (any format
     * {@link HfModelDir} reads) on {@code manager}; weights that do not fit the config are refused
     * naming the weights file.
     */
    public static CausalLM fromPretrained(Path dir, NDManager manager, DataType dtype) throws IOException {
        HfModelDir.Checkpoint c = HfModelDir.read(dir);
        try {
            return fromStateDict(c.config(), c.tensors(), manager, dtype);
        } catch (IllegalArgumentException e) {
            throw namingWeights(c, e);
        }
    }

    /** Whether {@code c}'s weights fit its config, as loading would check them, before anything is written from it. */
    public static void checkFits(HfModelDir.Checkpoint c) {
        try {
            of(c.config()).checkStateDict(c.tensors());
        } catch (IllegalArgumentException e) {
            throw namingWeights(c, e);
        }
    }

    private static IllegalArgumentException namingWeights(HfModelDir.Checkpoint c, IllegalArgumentException e) {
        return new IllegalArgumentException(c.weights() + ": " + e.getMessage(), e);
    }

    /** A model on {@code manager} with HF's random init from {@code seed} (see {@link CausalLM#initWeights}). */
    public static CausalLM random(LmConfig config, long seed, NDManager manager, DataType dtype) {
        CausalLM lm = of(config);
        lm.initWeights(seed, manager, dtype);
        return lm;
    }
}
