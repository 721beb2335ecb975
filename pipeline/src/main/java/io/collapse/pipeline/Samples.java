package io.collapse.pipeline;

import ai.djl.ndarray.NDManager;
import io.collapse.config.ExperimentConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.generate.GenerateResult;
import io.collapse.generate.Generator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The paper's Example 1: the same prompts continued by every generation. Prompts are the first
 * tokens of the first test blocks, decoded with the run's own decoding settings.
 */
final class Samples {

    private Samples() {}

    /** The first {@code e.samplePrompts()} test blocks' first tokens, continued by {@code generator}. */
    static List<GenerationRecord.Sample> continue_(Generator generator, RunInputs inputs, ExperimentConfig e,
            NDManager manager) {
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
