package io.collapse.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.TestDevice;
import io.collapse.config.ExperimentConfig;
import io.collapse.config.Presets;
import io.collapse.config.RunConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.generate.CorpusProgress;
import io.collapse.generate.Generator;
import io.collapse.generate.SyntheticCorpus;
import io.collapse.model.CausalLM;
import io.collapse.model.auto.AutoModelForCausalLM;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What each generation trains on, and the training state dropped once a generation is trained;
 * the corpora are written by two random tiny models, so no training is needed.
 */
class ExperimentTest {

    /** 10 blocks: a keep fraction of 0.25 keeps round(2.5) = 3 of them. */
    private static final int BLOCKS = 10;

    @TempDir static Path runDir;

    private static TokenBlocks original;
    private static TokenBlocks corpus0;
    private static TokenBlocks corpus1;

    /** The smoke config, with 4-token blocks written greedily to keep the corpora quick. */
    private static RunConfig smoke(String... overrides) throws IOException {
        List<String> all = new ArrayList<>(List.of("data.block_size=4", "generation.min_new_tokens=4",
                "generation.max_new_tokens=4", "generation.strategy=greedy", "generation.num_beams=1",
                "experiment.corpus_batch=" + BLOCKS, "experiment.corpus_shard_blocks=" + BLOCKS));
        all.addAll(List.of(overrides));
        return RunConfig.load("smoke", all);
    }

    /** Original blocks of random ids, and gen-00's and gen-01's corpora continuing them. */
    @BeforeAll
    static void corpora() throws IOException {
        RunConfig cfg = smoke();
        SplittableRandom rng = new SplittableRandom(3);
        int t = cfg.data().blockSize();
        int[] ids = new int[BLOCKS * t];
        Arrays.setAll(ids, i -> 4 + rng.nextInt(1000));
        original = TokenBlocks.of(ids, t);
        for (int k = 0; k < 2; k++) {
            try (NDManager manager = TestDevice.manager()) {
                CausalLM model = AutoModelForCausalLM.random(Presets.get("tiny"), k, manager, DataType.FLOAT32);
                SyntheticCorpus.write(RunFiles.gen(runDir, k).resolve(RunFiles.CORPUS), new Generator(model, cfg.generation()),
                        original, "random-" + k, cfg.experiment().corpusShardBlocks(), cfg.experiment().corpusBatch(), manager,
                        CorpusProgress.NONE);
            }
        }
        corpus0 = SyntheticCorpus.read(RunFiles.gen(runDir, 0).resolve(RunFiles.CORPUS));
        corpus1 = SyntheticCorpus.read(RunFiles.gen(runDir, 1).resolve(RunFiles.CORPUS));
        assertEquals(t, corpus0.blockSize());
        for (int i = 0; i < BLOCKS; i++) {
            assertNotEquals(Arrays.toString(corpus0.block(i)), Arrays.toString(corpus1.block(i)), "the two models wrote block " + i + " alike");
        }
    }

    @Test
    void generationZeroTrainsOnTheOriginalBlocks() throws IOException {
        ExperimentConfig e = smoke().experiment();
        assertSame(original, Experiment.trainingData(e, runDir, original, 0));
        assertEquals(BLOCKS, Experiment.originalKept(e, original, 0, original));
    }

    @Test
    void replaceKeepsTheFractionOfOriginalBlocksInThePreviousCorpus() throws IOException {
        ExperimentConfig e = smoke().experiment();
        assertEquals(0.25, e.keepFraction());
        TokenBlocks gen1 = Experiment.trainingData(e, runDir, original, 1);
        TokenBlocks gen2 = Experiment.trainingData(e, runDir, original, 2);
        boolean[] kept1 = keptOriginal(gen1, corpus0);
        boolean[] kept2 = keptOriginal(gen2, corpus1); // generation 2 continues generation 1's corpus, not 0's
        assertEquals(3, count(kept1), Arrays.toString(kept1));
        assertEquals(3, count(kept2), Arrays.toString(kept2));
        assertEquals(3, Experiment.originalKept(e, original, 1, gen1));
        assertFalse(Arrays.equals(kept1, kept2), "each generation draws its own share: " + Arrays.toString(kept1));

        ExperimentConfig half = smoke("experiment.keep_fraction=0.5").experiment();
        TokenBlocks halfGen1 = Experiment.trainingData(half, runDir, original, 1);
        assertEquals(5, count(keptOriginal(halfGen1, corpus0)));
        assertEquals(5, Experiment.originalKept(half, original, 1, halfGen1));
    }

    @Test
    void accumulateAppendsEveryCorpusToTheOriginalBlocks() throws IOException {
        ExperimentConfig e = smoke("experiment.data_mode=accumulate").experiment();
        TokenBlocks gen2 = Experiment.trainingData(e, runDir, original, 2);
        assertEquals(3 * BLOCKS, gen2.numBlocks());
        for (int i = 0; i < BLOCKS; i++) {
            assertArrayEquals(original.block(i), gen2.block(i));
            assertArrayEquals(corpus0.block(i), gen2.block(BLOCKS + i));
            assertArrayEquals(corpus1.block(i), gen2.block(2 * BLOCKS + i));
        }
        assertEquals(BLOCKS, Experiment.originalKept(e, original, 2, gen2));
    }

    @Test
    void discardingTheTrainingStateKeepsTheModelAndRemovesALeftoverDiscard() throws IOException {
        Path gen = runDir.resolve("discard");
        Files.createDirectories(gen.resolve(RunFiles.TRAIN).resolve("state"));
        Files.writeString(gen.resolve(RunFiles.TRAIN).resolve("state/weights.safetensors"), "w");
        Files.createDirectories(gen.resolve(RunFiles.TRAIN + ".discarded"));
        Files.writeString(gen.resolve(RunFiles.TRAIN + ".discarded/half-deleted"), "x");
        Files.createDirectories(gen.resolve(RunFiles.MODEL));
        Files.writeString(gen.resolve(RunFiles.MODEL).resolve("model.safetensors"), "m");

        RunCheck.discardTrainingState(gen);
        assertFalse(Files.exists(gen.resolve(RunFiles.TRAIN)));
        assertFalse(Files.exists(gen.resolve(RunFiles.TRAIN + ".discarded")));
        assertEquals("m", Files.readString(gen.resolve(RunFiles.MODEL).resolve("model.safetensors")));

        Files.createDirectories(gen.resolve(RunFiles.TRAIN + ".discarded")); // a kill during the delete
        RunCheck.discardTrainingState(gen);
        assertFalse(Files.exists(gen.resolve(RunFiles.TRAIN + ".discarded")));
        assertTrue(Files.exists(gen.resolve(RunFiles.MODEL)));
    }

    /**
     * Which blocks of {@code data} are original: each must be its position's original block or
     * its position's block of {@code corpus}, which differ.
     */
    private static boolean[] keptOriginal(TokenBlocks data, TokenBlocks corpus) {
        assertEquals(BLOCKS, data.numBlocks());
        boolean[] kept = new boolean[BLOCKS];
        for (int i = 0; i < BLOCKS; i++) {
            assertNotEquals(Arrays.toString(original.block(i)), Arrays.toString(corpus.block(i)));
            kept[i] = Arrays.equals(data.block(i), original.block(i));
            assertTrue(kept[i] || Arrays.equals(data.block(i), corpus.block(i)), "block " + i + " is from neither");
        }
        return kept;
    }

    private static int count(boolean[] flags) {
        int n = 0;
        for (boolean f : flags) {
            n += f ? 1 : 0;
        }
        return n;
    }
}
