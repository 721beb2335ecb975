package io.collapse.pipeline;

import ai.djl.ndarray.NDManager;
import io.collapse.config.ExperimentConfig;
import io.collapse.config.GenerationConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.generate.GenerateResult;
import io.collapse.generate.Generator;
import io.collapse.model.CausalLM;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The paper's Example 1: the same prompts continued by every generation. Prompts are the first
 * tokens of the first test blocks, decoded with the run's own decoding settings.
 */
final class Samples {

    private Samples() {}

    /** The first {@code e.samplePrompts()} test blocks' first tokens, continued by {@code model} under {@code decoding}. */
    static List<GenerationRecord.Sample> continue_(CausalLM model, RunInputs inputs, ExperimentConfig e,
            GenerationConfig decoding, NDManager manager) {
        int n = Math.min(e.samplePrompts(), inputs.test().numBlocks());
        if (n == 0) {
            return List.of();
        }
        TokenBlocks test = inputs.test();
        int len = Math.min(e.samplePromptTokens(), test.blockSize());
        int[][] prompts = new int[n][];
        for (int i = 0; i < n; i++) {
            prompts[i] = Arrays.copyOf(test.block(i), len);
        }
        Generator generator = new Generator(model, decoding);
        GenerateResult r = generator.generate(prompts, null, 0, manager);
        int perPrompt = r.sequences().length / n;
        List<GenerationRecord.Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new GenerationRecord.Sample(i, inputs.tokenizer().decodeShowingSpareIds(prompts[i], true),
                    inputs.tokenizer().decodeShowingSpareIds(r.newTokens(i * perPrompt), true)));
        }
        return out;
    }
}
