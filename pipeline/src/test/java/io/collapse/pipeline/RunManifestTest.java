package io.collapse.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.collapse.config.RunConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunManifestTest {

    @TempDir Path runDir;

    private static RunConfig smoke(String... overrides) throws IOException {
        return RunConfig.load("smoke", List.of(overrides));
    }

    @Test
    void theSameConfigContinuesAndItsStoredCopyReadsBack() throws IOException {
        RunConfig cfg = smoke();
        assertEquals(cfg, RunManifest.effectiveConfig(runDir, cfg, List.of(), quiet())); // new directory: nothing to compare
        RunManifest.createOrCheckData(runDir, RunManifest.read(runDir), cfg, Map.of("train", "a", "valid", "b", "test", "c"));
        assertEquals(cfg, RunManifest.effectiveConfig(runDir, cfg, List.of(), quiet()));
        RunManifest.createOrCheckData(runDir, RunManifest.read(runDir), cfg, Map.of("train", "a", "valid", "b", "test", "c"));
        assertEquals(cfg, RunManifest.readConfig(runDir));
    }

    /** resume of a folder whose first start stopped before run.json says how to start it again; an empty one does not. */
    @Test
    void aFolderWithoutRunJsonIsNotARunAndAStoppedStartSaysHowToStartIt() throws IOException {
        IOException none = assertThrows(IOException.class, () -> RunManifest.readConfig(runDir));
        assertEquals(runDir + " is not a run directory (no run.json)", none.getMessage());
        Files.writeString(runDir.resolve(RunLock.FILE), "");
        IOException stopped = assertThrows(IOException.class, () -> RunManifest.readConfig(runDir));
        assertEquals(runDir + " is not a run directory (no run.json); its first start stopped before writing it: start it"
                + " again with collapse run CONFIG --run-dir " + runDir, stopped.getMessage());
        // A training folder (collapse train --out) is named as one, not told to start as a run.
        Files.writeString(runDir.resolve("events.jsonl"), "{\"event\":\"step\"}\n");
        IOException training = assertThrows(IOException.class, () -> RunManifest.readConfig(runDir));
        assertTrue(training.getMessage().startsWith(runDir + ": a training folder (collapse train --out), not a run"),
                training.getMessage());
        // A run that lost its run.json (its generations remain) is not taken for one.
        Files.createDirectories(runDir.resolve("gen-00"));
        IOException lost = assertThrows(IOException.class, () -> RunManifest.readConfig(runDir));
        assertTrue(lost.getMessage().startsWith(runDir + " is not a run directory (no run.json)"), lost.getMessage());
        // A mistyped path is missing, not a folder without run.json.
        IOException missing = assertThrows(IOException.class, () -> RunManifest.readConfig(runDir.resolve("typo")));
        assertEquals(runDir.resolve("typo") + ": no such folder; expected a run directory", missing.getMessage());
    }

    @Test
    void anotherConfigIsRefusedNamingEveryDifference() throws IOException {
        RunManifest.createOrCheckData(runDir, RunManifest.read(runDir), smoke(), Map.of("train", "a"));
        IOException e = assertThrows(IOException.class,
                () -> RunManifest.effectiveConfig(runDir, smoke("train.epochs=3", "experiment.keep_fraction=0.5"), List.of(), quiet()));
        assertTrue(e.getMessage().contains("different config") && e.getMessage().contains("train.epochs: 2 -> 3")
                && e.getMessage().contains("experiment.keep_fraction: 0.25 -> 0.5"), e.getMessage());
    }

    @Test
    void onlyTheMemorySettingsMayChangeAndEachChangeIsRecorded() throws IOException {
        RunManifest.createOrCheckData(runDir, RunManifest.read(runDir), smoke(), Map.of("train", "a"));
        List<String> smaller = List.of("train.micro_batch=2", "experiment.corpus_batch=8");
        RunConfig want = smoke("train.micro_batch=2", "experiment.corpus_batch=8", "experiment.corpus_shard_blocks=256");
        assertEquals(want, RunManifest.effectiveConfig(runDir, want, smaller, quiet()));
        assertEquals(want, RunManifest.readConfig(runDir, smaller));
        List<RunManifest.Change> changes = RunManifest.read(runDir).memoryChanges(want);
        assertEquals("[train.micro_batch: 4 -> 2, experiment.corpus_batch: 32 -> 8]", changes.toString());
        RunManifest.read(runDir).recordChanges(runDir, want, changes);
        assertEquals(want, RunManifest.readConfig(runDir));
        assertEquals(List.of(), RunManifest.read(runDir).memoryChanges(want), "recorded once");
        RunConfig single = smoke("train.micro_batch=1", "experiment.corpus_batch=8", "experiment.corpus_shard_blocks=256");
        RunManifest.read(runDir).recordChanges(runDir, single, RunManifest.read(runDir).memoryChanges(single));
        assertEquals(3, RunManifest.read(runDir).changes().size(), "the history grows");
        assertEquals(4, RunManifest.read(runDir).startedWith(RunManifest.MICRO_BATCH).asInt(), "4 -> 2 -> 1 began at 4");
        assertEquals(32, RunManifest.read(runDir).startedWith(RunManifest.CORPUS_BATCH).asInt());

        // The config alone (a requeued job's command) does not undo a change: the stored value stays, with a note.
        StringWriter log = new StringWriter();
        assertEquals(single, RunManifest.effectiveConfig(runDir, smoke("experiment.corpus_batch=8",
                "experiment.corpus_shard_blocks=256"), List.of(), new PrintWriter(log, true)));
        assertEquals("note: train.micro_batch stays 1 as run.json has it (the config says 4); change it with --set"
                + " train.micro_batch=4", log.toString().strip());

        IOException e = assertThrows(IOException.class,
                () -> RunManifest.effectiveConfig(runDir, smoke("train.epochs=3"), List.of(), quiet()));
        assertTrue(e.getMessage().contains("train.epochs: 2 -> 3") && !e.getMessage().contains("micro_batch:")
                && e.getMessage().contains("only train.micro_batch and experiment.corpus_batch may change"), e.getMessage());
        IOException shard = assertThrows(IOException.class,
                () -> RunManifest.effectiveConfig(runDir, smoke("experiment.corpus_batch=16"), List.of("experiment.corpus_batch=16"), quiet()));
        assertTrue(shard.getMessage().contains("experiment.corpus_shard_blocks: 256 -> 128")
                && shard.getMessage().contains("8 × corpus_batch where a config leaves it out"), shard.getMessage());
        IllegalArgumentException set = assertThrows(IllegalArgumentException.class,
                () -> RunManifest.readConfig(runDir, List.of("train.learning_rate=1e-5")));
        assertTrue(set.getMessage().startsWith("--set train.learning_rate=1e-5: a run continues with the config it began with"),
                set.getMessage());
        IOException bad = assertThrows(IOException.class, () -> RunManifest.readConfig(runDir, List.of("train.micro_batch=3")));
        assertTrue(bad.getMessage().contains("run.json with --set train.micro_batch=3: train.micro_batch (3) must divide"), bad.getMessage());
    }

    private static PrintWriter quiet() {
        return new PrintWriter(new StringWriter());
    }

    @Test
    void otherDataIsRefused() throws IOException {
        RunManifest.createOrCheckData(runDir, RunManifest.read(runDir), smoke(), Map.of("train", "a"));
        IOException e = assertThrows(IOException.class,
                () -> RunManifest.createOrCheckData(runDir, RunManifest.read(runDir), smoke(), Map.of("train", "changed")));
        assertTrue(e.getMessage().contains("other data"), e.getMessage());
    }

    @Test
    void anotherFormatIsRefused() throws IOException {
        RunManifest.createOrCheckData(runDir, RunManifest.read(runDir), smoke(), Map.of("train", "a"));
        Path file = runDir.resolve(RunFiles.RUN);
        Files.writeString(file, Files.readString(file).replace("\"format\" : 1", "\"format\" : 99"));
        IOException e = assertThrows(IOException.class, () -> RunManifest.effectiveConfig(runDir, smoke(), List.of(), quiet()));
        assertTrue(e.getMessage().contains("format 99") && e.getMessage().contains("new run directory"), e.getMessage());
    }

    /**
     * collapse 0.1.0's hf-4.36 was today's hf-5: such a run is not continued by another rule, but
     * stays readable (status, report). (keep_fraction 0: smoke's 0.25 draws, refused on its own.)
     */
    @Test
    void anOldHf436RunIsRefusedAndOtherOldRunsContinue() throws IOException {
        RunConfig hf436 = smoke("generation.beam_length_rule=hf-4.36", "experiment.keep_fraction=0");
        RunManifest.createOrCheckData(runDir, RunManifest.read(runDir), hf436, Map.of("train", "a"));
        Path file = runDir.resolve(RunFiles.RUN);
        String today = Files.readString(file);
        assertTrue(today.contains("\"collapse_version\" : \"" + RunManifest.VERSION + "\""), today);
        assertEquals(hf436, RunManifest.readConfig(runDir));
        makeVersion(runDir, "0.1.0");
        IOException e = assertThrows(IOException.class, () -> RunManifest.read(runDir).checkContinuable(runDir));
        assertTrue(e.getMessage().contains("hf-4.36") && e.getMessage().contains("hf-5")
                && e.getMessage().contains("collapse 0.1.0 (git a79362e)"), e.getMessage());
        assertEquals(hf436, RunManifest.readConfig(runDir), "readable: status and report work on it");
        RunManifest.effectiveConfig(runDir, hf436, List.of(), quiet());

        Files.writeString(file, Files.readString(file).replace("\"hf-4.36\"", "\"hf-4.35\""));
        RunManifest.read(runDir).checkContinuable(runDir);
    }

    /**
     * 0.3.0 changed the sampling streams and the draw of kept original blocks: an older run that
     * samples or keeps a drawn share is refused; one that draws nothing (beam, keep 0) continues.
     */
    @Test
    void anOldRunThatDrawsIsRefusedAndOneThatDrawsNothingContinues() throws IOException {
        for (String[] drawing : List.of(
                new String[] {"generation.strategy=sample", "generation.num_beams=1", "experiment.keep_fraction=0"},
                new String[] {"experiment.keep_fraction=0.25"})) {
            Path dir = Files.createDirectories(runDir.resolve(drawing[0]));
            RunConfig cfg = smoke(drawing);
            RunManifest.createOrCheckData(dir, RunManifest.read(dir), cfg, Map.of("train", "a"));
            assertEquals(cfg, RunManifest.readConfig(dir));
            makeVersion(dir, "0.2.0");
            assertEquals(cfg, RunManifest.readConfig(dir), "readable: status and report work on it");
            IOException e = assertThrows(IOException.class, () -> RunManifest.read(dir).checkContinuable(dir));
            assertTrue(e.getMessage().contains("collapse 0.2.0 (git e667eb4)") && e.getMessage().contains("random draws")
                    && e.getMessage().contains("new run directory"), e.getMessage());
        }
        Path beam = Files.createDirectories(runDir.resolve("beam"));
        RunManifest.createOrCheckData(beam, RunManifest.read(beam), smoke("experiment.keep_fraction=0"), Map.of("train", "a"));
        makeVersion(beam, "0.2.0");
        RunManifest.read(beam).checkContinuable(beam);
    }

    @Test
    void aRunJsonWithoutItsVersionIsRefusedNamingTheField() throws IOException {
        RunManifest.createOrCheckData(runDir, RunManifest.read(runDir), smoke(), Map.of("train", "a"));
        Path file = runDir.resolve(RunFiles.RUN);
        Files.writeString(file, Files.readString(file).replaceAll("\\s*\"collapse_version\" : \"[^\"]*\",", ""));
        IOException e = assertThrows(IOException.class, () -> RunManifest.readConfig(runDir));
        assertTrue(e.getMessage().contains("run.json: collapse_version is missing"), e.getMessage());
    }

    @Test
    void aRunJsonWithoutItsConfigIsRefusedNamingTheField() throws IOException {
        RunManifest.createOrCheckData(runDir, RunManifest.read(runDir), smoke(), Map.of("train", "a"));
        Path file = runDir.resolve(RunFiles.RUN);
        ObjectNode doc = (ObjectNode) new ObjectMapper().readTree(file.toFile());
        for (JsonNode config : Arrays.asList(null, NullNode.getInstance(), TextNode.valueOf("smoke"))) {
            ObjectNode broken = doc.deepCopy();
            if (config == null) {
                broken.remove("config");
            } else {
                broken.set("config", config);
            }
            Files.writeString(file, broken.toString());
            IOException e = assertThrows(IOException.class, () -> RunManifest.readConfig(runDir));
            assertEquals(file + ": not a run directory this version can continue (\"config\": expected the run's config,"
                    + " an object)", e.getMessage());
        }
    }

    /** A stored config with a field this version does not know, and a --set without '=', are named in one line. */
    @Test
    void anUnknownStoredFieldAndASetWithoutAValueAreNamed() throws IOException {
        RunManifest.createOrCheckData(runDir, RunManifest.read(runDir), smoke(), Map.of("train", "a"));
        IllegalArgumentException set = assertThrows(IllegalArgumentException.class,
                () -> RunManifest.readConfig(runDir, List.of("train.micro_batch")));
        assertEquals("--set expects path.to.field=value, got 'train.micro_batch'", set.getMessage());
        Path file = runDir.resolve(RunFiles.RUN);
        ObjectNode doc = (ObjectNode) new ObjectMapper().readTree(file.toFile());
        ((ObjectNode) doc.path("config").path("train")).put("bogus", 1);
        Files.writeString(file, doc.toString());
        IOException e = assertThrows(IOException.class, () -> RunManifest.effectiveConfig(runDir, smoke(), List.of(), quiet()));
        assertTrue(e.getMessage().startsWith(file + ": unknown field 'train.bogus'"), e.getMessage());
    }

    /** Makes {@code dir}/run.json say it was written by collapse {@code version}. */
    static void makeVersion(Path dir, String version) throws IOException {
        Path file = dir.resolve(RunFiles.RUN);
        Files.writeString(file, Files.readString(file).replace("\"collapse_version\" : \"" + RunManifest.VERSION + "\"",
                "\"collapse_version\" : \"" + version + "\""));
    }

    @Test
    void stateRecordsCompletedUnitsInOrder() throws IOException {
        RunState s = RunState.fresh().complete(0, RunState.Phase.TRAIN, 2);
        s.write(runDir);
        RunState back = RunState.read(runDir, 2);
        assertTrue(back.isDone(0, RunState.Phase.TRAIN));
        assertEquals("eval", back.phase());
        assertEquals(List.of("gen-00/train"), back.completed());
    }

    /** A state.json that contradicts itself is damaged: trusted, it would end a run with work missing. */
    @Test
    void aStateThatContradictsItselfIsNotValid() throws IOException {
        Path file = runDir.resolve(RunState.FILE);
        String[][] cases = {
            {"{\"format\":1,\"generation\":0,\"phase\":\"train\",\"completed\":[],\"finished\":true}",
                "finished, with units left to do"},
            {"{\"format\":1,\"generation\":0,\"phase\":\"eval\",\"completed\":[\"gen-00/train\",\"gen-00/train\"]}",
                "a unit is listed twice"},
            {"{\"format\":1,\"generation\":0,\"phase\":\"eval\",\"completed\":[\"gen-00/train\",\"gen-07/score\"]}",
                "a unit of a generation past the run's 2"}};
        for (String[] c : cases) {
            Files.writeString(file, c[0]);
            IOException e = assertThrows(IOException.class, () -> RunState.read(runDir, 2));
            assertEquals(file + ": not a valid run state (" + c[1] + ")", e.getMessage());
        }
        // The end listed twice (an earlier version's repair appended it again) is read as listed once.
        RunState ended = RunState.fresh();
        for (int k = 0; k < 2; k++) {
            for (RunState.Phase p : RunState.Phase.values()) {
                ended = ended.complete(k, p, 2);
            }
        }
        ended = ended.complete(RunState.END, 2);
        ended.write(runDir);
        Files.writeString(file, Files.readString(file).replace("\"run/end\"", "\"run/end\", \"run/end\""));
        assertEquals(ended.completed(), RunState.read(runDir, 2).completed());
        assertEquals(ended.completed(), ended.complete(RunState.END, 2).completed(), "completing a unit twice lists it once");
    }

    /** A redo's record of what later units were made from stays until that unit is done, through repairs of others. */
    @Test
    void aRedoBegunIsRecordedUntilItsUnitIsDone() throws IOException {
        RunState s = RunState.fresh().complete(0, RunState.Phase.TRAIN, 2).complete(0, RunState.Phase.EVAL, 2)
                .without(List.of("gen-00/train"), 2).redoing("gen-00/train", "gen-00/model@a");
        s.write(runDir);
        RunState back = RunState.read(runDir, 2);
        assertEquals(new RunState.Redo("gen-00/train", "gen-00/model@a"), back.redoOf("gen-00/train"));
        assertEquals(null, back.redoOf("gen-00/eval"));
        assertEquals(back.redo(), back.without(List.of("gen-00/eval"), 2).redo(), "kept while its unit is left to do");
        assertEquals(null, back.complete(0, RunState.Phase.TRAIN, 2).redo(), "gone once its unit is done");
    }
}
