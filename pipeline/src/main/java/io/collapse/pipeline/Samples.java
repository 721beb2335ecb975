package io.collapse.pipeline;

import ai.djl.ndarray.NDManager;
import io.collapse.config.RunConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.generate.GenerateResult;
import io.collapse.generate.Generator;
import io.collapse.model.CausalLM;
import io.collapse.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The paper's Example 1: the same prompts continued by every generation. Prompts are the first
 * tokens of the first test blocks, decoded with the run's own decoding settings.
 */
final class Samples {

    private Samples() {}

    /**
     * Readable text: special tokens skipped, and the model's padding rows (OPT: ids 50265–50271, which
     * the tokenizer has no text for and a weak model does emit) shown as a marker.
     */
    static String text(Tokenizer tokenizer, int[] ids) {
        StringBuilder out = new StringBuilder();
        int start = 0;
        for (int i = 0; i <= ids.length; i++) {
            if (i == ids.length || ids[i] >= tokenizer.vocabSize()) {
                out.append(tokenizer.decode(Arrays.copyOfRange(ids, start, i), true));
                if (i < ids.length) {
                    out.append("<id ").append(ids[i]).append('>');
                }
                start = i + 1;
            }
        }
        return out.toString();
    }

    static List<GenerationRecord.Sample> continue_(CausalLM model, RunInputs inputs, RunConfig cfg, NDManager manager) {
        int n = Math.min(cfg.experiment().samplePrompts(), inputs.test().numBlocks());
        if (n == 0) {
            return List.of();
        }
        TokenBlocks test = inputs.test();
        int len = Math.min(cfg.experiment().samplePromptTokens(), test.blockSize());
        int[][] prompts = new int[n][];
        for (int i = 0; i < n; i++) {
            prompts[i] = Arrays.copyOf(test.block(i), len);
        }
        Generator generator = new Generator(model, cfg.generation());
        GenerateResult r = generator.generate(prompts, null, 0, manager);
        int perPrompt = r.sequences().length / n;
        List<GenerationRecord.Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new GenerationRecord.Sample(i, text(inputs.tokenizer(), prompts[i]),
                    text(inputs.tokenizer(), r.newTokens(i * perPrompt))));
        }
        return out;
    }
}
