package io.collapse.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.config.RunConfig;
import io.collapse.generate.CorpusManifest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every random choice of a run derives from experiment.seed and the generation: with sampling, each
 * generation's corpus draws from its own stream, not from generation.seed as the config says it.
 */
class RunSeedsTest {

    @TempDir Path runDir;

    @Test
    void eachGenerationSamplesItsCorpusFromItsOwnStream() throws Exception {
        long master = 7;
        RunConfig cfg = RunConfig.load("smoke",
                List.of("generation.strategy=sample", "generation.num_beams=1", "generation.seed=5",
                        "experiment.seed=" + master, "data.train_blocks=16"));
        Experiment.run(cfg, List.of(), runDir, Experiment.Bars.NONE, new PrintWriter(new StringWriter()), Experiment.Listener.NONE);
        for (int k = 0; k < 2; k++) {
            assertEquals(Seeds.corpus(master, k), corpusSeed(k), "gen-" + k + "'s corpus");
        }
        assertNotEquals(corpusSeed(0), corpusSeed(1));
    }

    /** A sampling run begun by 0.2.0 drew from other streams: `collapse run`/`resume` will not finish it. */
    @Test
    void anOldSamplingRunIsNotContinued() throws Exception {
        RunConfig cfg = RunConfig.load("smoke",
                List.of("generation.strategy=sample", "generation.num_beams=1", "experiment.keep_fraction=0",
                        "data.train_blocks=16"));
        RuntimeException kill = new RuntimeException("stopped after generation 0");
        assertEquals(kill, assertThrows(RuntimeException.class, () -> Experiment.run(cfg, List.of(), runDir, Experiment.Bars.NONE,
                new PrintWriter(new StringWriter()), (dir, k) -> {
                    throw kill;
                })));
        RunManifestTest.makeVersion(runDir, "0.2.0");
        IOException e = assertThrows(IOException.class, () -> Experiment.run(cfg, List.of(), runDir, Experiment.Bars.NONE,
                new PrintWriter(new StringWriter()), Experiment.Listener.NONE));
        assertTrue(e.getMessage().contains("collapse 0.2.0"), e.getMessage());
        assertFalse(Files.exists(RunFiles.gen(runDir, 1)), "generation 1 was not begun");
    }

    @Test
    void theStreamsDifferByGenerationMasterSeedAndUse() {
        Set<Long> seeds = new HashSet<>();
        for (long master = 0; master < 3; master++) {
            for (int k = 0; k < 3; k++) {
                seeds.add(Seeds.corpus(master, k));
                seeds.add(Seeds.samples(master, k));
                seeds.add(Seeds.train(master, k));
                seeds.add(Seeds.mixing(master, k));
            }
        }
        assertEquals(3 * 3 * 4, seeds.size());
    }

    private long corpusSeed(int generation) throws IOException {
        return CorpusManifest.read(RunFiles.gen(runDir, generation).resolve(RunFiles.CORPUS)).generation().seed();
    }
}
