package io.collapse.pipeline;

import ai.djl.ndarray.NDManager;
import io.collapse.config.ExperimentConfig;
import io.collapse.config.GenerationConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.generate.Generator;
import io.collapse.generate.SyntheticCorpus;
import io.collapse.model.CausalLM;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Between the pipeline's TokenBlocks and generate's corpus files. */
final class CorpusStep {

    private CorpusStep() {}

    /** Writes (or resumes) the corpus: one continuation per prompt block. Returns the block count. */
    static int write(CausalLM model, String modelId, TokenBlocks prompts, GenerationConfig generation,
            ExperimentConfig e, Path dir, boolean progressBar, NDManager manager) throws IOException {
        List<int[]> blocks = new ArrayList<>(prompts.numBlocks());
        for (int i = 0; i < prompts.numBlocks(); i++) {
            blocks.add(prompts.block(i));
        }
        Generator generator = new Generator(model, generation);
        try (SyntheticCorpus.Bar bar = progressBar ? new SyntheticCorpus.Bar(generation.maxNewTokens()) : null) {
            return SyntheticCorpus.write(dir, generator, blocks, null, modelId, e.corpusShardBlocks(), e.corpusBatch(),
                    manager, bar != null ? bar : SyntheticCorpus.Progress.NONE).blocks();
        }
    }

    /** A complete corpus as blocks; checksums verified by the reader. */
    static TokenBlocks read(Path dir) throws IOException {
        List<int[]> blocks = SyntheticCorpus.read(dir);
        if (blocks.isEmpty()) {
            throw new IOException(dir + ": the corpus has no blocks");
        }
        int t = blocks.get(0).length;
        int[] ids = new int[blocks.size() * t];
        for (int i = 0; i < blocks.size(); i++) {
            System.arraycopy(blocks.get(i), 0, ids, i * t, t);
        }
        return TokenBlocks.of(ids, t);
    }
}
