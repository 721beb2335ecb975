package io.collapse.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.TestDevice;
import io.collapse.config.ConfigLoader;
import io.collapse.config.GenerationConfig;
import io.collapse.config.LmConfig;
import io.collapse.config.OptConfig;
import io.collapse.config.Strategy;
import io.collapse.data.TokenBlocks;
import io.collapse.model.CausalLM;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticCorpusTest {

    private static final Path CASE = Path.of("src/test/resources/hf-opt/case-a-preln");
    @AutoClose private static final NDManager manager = TestDevice.manager();
    private static CausalLM model;
    private static TokenBlocks prompts;

    @TempDir Path tmp;

    @BeforeAll
    static void load() throws Exception {
        model = AutoModelForCausalLM.fromStateDict((OptConfig) LmConfig.read(CASE.resolve("config.json")),
                Safetensors.read(CASE.resolve("model.safetensors")), manager, DataType.FLOAT32);
        SplittableRandom random = new SplittableRandom(42);
        int[] ids = new int[10 * 16];
        for (int t = 0; t < ids.length; t++) {
            ids[t] = 4 + random.nextInt(996);
        }
        prompts = TokenBlocks.of(ids, 16);
    }

    private static Generator beam() {
        return new Generator(model, GenerationConfig.of(ConfigLoader.fields("strategy", Strategy.BEAM, "num_beams", 3,
                "num_return_sequences", 1, "min_new_tokens", 8, "max_new_tokens", 8, "repetition_penalty", 3.0,
                "use_cache", true)));
    }

    private static CorpusManifest write(Path dir, Generator g, int batch, CorpusProgress p)
            throws IOException {
        return SyntheticCorpus.write(dir, g, prompts, "case-a", 4, batch, manager, p);
    }

    /** Stops the writer like a kill would, once {@code blocks} blocks are decoded (mid-shard if not a multiple of 4). */
    private static CorpusProgress killAtBlocks(int blocks) {
        return (done, total) -> {
            if (done >= blocks) {
                throw new IllegalStateException("killed");
            }
        };
    }

    /** Collects every "rewriting from shard N" as "N: why". */
    private static CorpusProgress telling(List<String> told) {
        return new CorpusProgress() {
            @Override
            public void blocksDone(int done, int total) {}

            @Override
            public void rewritingFrom(int from, String why) {
                told.add(from + ": " + why);
            }
        };
    }

    /** Stops the writer right after shard {@code shard} is committed. */
    private static CorpusProgress killAfterShard(int shard) {
        return new CorpusProgress() {
            @Override
            public void blocksDone(int done, int total) {}

            @Override
            public void shardWritten(int s, int shards) {
                if (s == shard) {
                    throw new IllegalStateException("killed");
                }
            }
        };
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesOneBlockPerPromptInShardsWithChecksums() throws Exception {
        Path dir = tmp.resolve("full");
        CorpusManifest m = write(dir, beam(), 2, CorpusProgress.NONE);
        assertTrue(m.complete());
        assertEquals(List.of(4, 4, 2), m.shards().stream().map(CorpusManifest.Shard::blocks).toList());
        assertEquals(List.of("manifest.json", "shard-00000.bin", "shard-00001.bin", "shard-00002.bin"), files(dir));
        assertEquals("uint16", m.dtype());
        assertEquals(4 * 8 * 2, Files.size(dir.resolve("shard-00000.bin")), "4 blocks of 8 uint16 ids");
        assertEquals(2 * 8 * 2, Files.size(dir.resolve("shard-00002.bin")));
        assertArrayEquals(new long[] {8, 9}, m.shards().get(2).promptIndices());
        TokenBlocks blocks = SyntheticCorpus.read(dir);
        assertEquals(10, blocks.numBlocks());
        // Block i is the new tokens of prompt i.
        try (NDManager scope = manager.newSubManager()) {
            GenerateResult direct = beam().generate(new int[][] {prompts.block(5)}, null, 5, scope);
            assertArrayEquals(direct.newTokens(0), blocks.block(5));
        }
    }

    @Test
    void aKilledWriterResumesToIdenticalBytes() throws Exception {
        Path full = tmp.resolve("full");
        write(full, beam(), 2, CorpusProgress.NONE);
        Path killed = tmp.resolve("killed");
        // Killed in the middle of shard 1 (after 6 blocks), then again after shard 1, then finished.
        assertThrows(IllegalStateException.class, () -> write(killed, beam(), 2, killAtBlocks(6)));
        assertEquals(List.of("manifest.json", "shard-00000.bin"), files(killed));
        assertFalse(CorpusManifest.read(killed).complete());
        assertThrows(IOException.class, () -> SyntheticCorpus.read(killed), "an incomplete corpus is not readable");
        assertThrows(IllegalStateException.class, () -> write(killed, beam(), 2, killAfterShard(1)));
        assertEquals(2, CorpusManifest.read(killed).shards().size());
        write(killed, beam(), 2, CorpusProgress.NONE);
        assertEquals(files(full), files(killed));
        for (String f : files(full)) {
            assertArrayEquals(Files.readAllBytes(full.resolve(f)), Files.readAllBytes(killed.resolve(f)), f);
        }
    }

    @Test
    void aWriterContinuesWithAnotherBatchSizeAndEachShardNamesItsOwn() throws Exception {
        Path dir = tmp.resolve("rebatched");
        assertThrows(IllegalStateException.class, () -> write(dir, beam(), 2, killAfterShard(0)));
        // A shard from before shards named their batch size: the manifest's own is taken for it.
        Path manifest = dir.resolve(CorpusManifest.FILE);
        Files.writeString(manifest, Files.readString(manifest).replaceFirst("\"batch_size\" : 2,\\s*\"prompt_indices\"",
                "\"prompt_indices\""));
        assertEquals(null, CorpusManifest.read(dir).shards().get(0).batchSize());

        CorpusManifest m = write(dir, beam(), 1, CorpusProgress.NONE);
        assertTrue(m.complete());
        assertEquals(1, m.batchSize());
        assertEquals(List.of(2, 1, 1), m.shards().stream().map(CorpusManifest.Shard::batchSize).toList());
        assertEquals(10, SyntheticCorpus.read(dir).numBlocks());
    }

    @Test
    void refusesAnotherJobsDirectoryAndRedoesCorruptShards() throws Exception {
        Path dir = tmp.resolve("c");
        assertThrows(IllegalStateException.class, () -> write(dir, beam(), 2, killAfterShard(0)));
        Generator other = new Generator(model, GenerationConfig.of(ConfigLoader.fields("strategy", Strategy.BEAM,
                "num_beams", 3, "num_return_sequences", 1, "min_new_tokens", 8, "max_new_tokens", 8,
                "repetition_penalty", 2.0, "use_cache", true)));
        IOException e = assertThrows(IOException.class, () -> write(dir, other, 2, CorpusProgress.NONE));
        assertTrue(e.getMessage().contains("different corpus"), e.getMessage());
        Path shard = dir.resolve("shard-00000.bin");
        byte[] bytes = Files.readAllBytes(shard);
        bytes[3] ^= 1;
        Files.write(shard, bytes);
        // A damaged shard is redone, not trusted: the result equals an undamaged run's.
        List<String> told = new ArrayList<>();
        write(dir, beam(), 2, telling(told));
        assertEquals(1, told.size(), told.toString());
        assertTrue(told.get(0).startsWith("0: ") && told.get(0).contains("shard-00000.bin"), told.get(0));
        Path clean = tmp.resolve("clean");
        write(clean, beam(), 2, CorpusProgress.NONE);
        for (String f : files(clean)) {
            assertArrayEquals(Files.readAllBytes(clean.resolve(f)), Files.readAllBytes(dir.resolve(f)), f);
        }
        // Reading a finished corpus is strict: an altered shard is an error naming it.
        bytes = Files.readAllBytes(shard);
        bytes[3] ^= 1;
        Files.write(shard, bytes);
        e = assertThrows(IOException.class, () -> SyntheticCorpus.read(dir));
        assertTrue(e.getMessage().contains("shard-00000.bin") && e.getMessage().contains("sha256"), e.getMessage());
        // A folder where a shard belongs is named as such (it was "Is a directory", naming no file).
        Files.delete(shard);
        Files.createDirectory(shard);
        e = assertThrows(IOException.class, () -> SyntheticCorpus.read(dir));
        assertEquals(shard + ": listed in manifest.json but a folder", e.getMessage());
    }

    /** A manifest cut short (a full disk, a bad copy) is kept aside and the corpus written again, to the same bytes. */
    @Test
    void aDamagedManifestIsKeptAsideAndTheCorpusWrittenAgain() throws Exception {
        Path clean = tmp.resolve("clean-m");
        write(clean, beam(), 2, CorpusProgress.NONE);
        Path dir = tmp.resolve("torn-m");
        write(dir, beam(), 2, CorpusProgress.NONE);
        Path manifest = dir.resolve(CorpusManifest.FILE);
        String whole = Files.readString(manifest);
        Files.writeString(manifest, whole.substring(0, whole.length() / 2));
        List<String> told = new ArrayList<>();
        write(dir, beam(), 2, telling(told));
        assertEquals(1, told.size(), told.toString());
        assertTrue(told.get(0).startsWith("0: " + manifest + ": not a synthetic corpus manifest"), told.get(0));
        assertTrue(Files.exists(dir.resolve(CorpusManifest.FILE + ".damaged")));
        for (String f : files(clean)) {
            assertArrayEquals(Files.readAllBytes(clean.resolve(f)), Files.readAllBytes(dir.resolve(f)), f);
        }
        // Counts that disagree (a hand edit) are damage too, not "a different corpus" to remove by hand.
        Files.writeString(manifest, Files.readString(manifest).replaceFirst("\"blocks\" : 10", "\"blocks\" : 2147483647"));
        assertTrue(Files.readString(manifest).contains("2147483647"), "the test edits the field it means to");
        told.clear();
        write(dir, beam(), 2, telling(told));
        assertTrue(told.size() == 1 && told.get(0).contains("counts that disagree: blocks 2147483647"), told.toString());
        for (String f : files(clean)) {
            assertArrayEquals(Files.readAllBytes(clean.resolve(f)), Files.readAllBytes(dir.resolve(f)), f);
        }
    }

    @Test
    void sampledCorpusDoesNotDependOnTheBatchSize() throws Exception {
        GenerationConfig cfg = GenerationConfig.of(ConfigLoader.fields("strategy", Strategy.SAMPLE, "num_beams", 1,
                "num_return_sequences", 1, "min_new_tokens", 8, "max_new_tokens", 8, "repetition_penalty", 1.2,
                "temperature", 0.9, "top_k", 0, "top_p", 0.95, "seed", 7L, "use_cache", true));
        write(tmp.resolve("b1"), new Generator(model, cfg), 1, CorpusProgress.NONE);
        write(tmp.resolve("b4"), new Generator(model, cfg), 4, CorpusProgress.NONE);
        TokenBlocks one = SyntheticCorpus.read(tmp.resolve("b1"));
        TokenBlocks four = SyntheticCorpus.read(tmp.resolve("b4"));
        assertEquals(10, four.numBlocks());
        for (int i = 0; i < one.numBlocks(); i++) {
            assertArrayEquals(one.block(i), four.block(i), "block " + i);
        }
    }
}
