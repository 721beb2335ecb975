package io.collapse.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.config.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunManifestTest {

    @TempDir Path runDir;

    private static RunConfig smoke(String... overrides) throws IOException {
        return RunConfig.load(Path.of(System.getProperty("collapse.repo", ".")).resolve("configs/smoke.json"), List.of(overrides));
    }

    @Test
    void theSameConfigContinuesAndItsStoredCopyReadsBack() throws IOException {
        RunConfig cfg = smoke();
        RunManifest.checkConfig(runDir, cfg); // new directory: nothing to compare
        RunManifest.createOrCheckData(runDir, cfg, Map.of("train", "a", "valid", "b", "test", "c"));
        RunManifest.checkConfig(runDir, cfg);
        RunManifest.createOrCheckData(runDir, cfg, Map.of("train", "a", "valid", "b", "test", "c"));
        assertEquals(cfg, RunManifest.readConfig(runDir));
    }

    @Test
    void anotherConfigIsRefusedNamingEveryDifference() throws IOException {
        RunManifest.createOrCheckData(runDir, smoke(), Map.of("train", "a"));
        IOException e = assertThrows(IOException.class,
                () -> RunManifest.checkConfig(runDir, smoke("train.epochs=3", "experiment.keep_fraction=0.5")));
        assertTrue(e.getMessage().contains("different config") && e.getMessage().contains("train.epochs: 2 -> 3")
                && e.getMessage().contains("experiment.keep_fraction: 0.25 -> 0.5"), e.getMessage());
    }

    @Test
    void otherDataIsRefused() throws IOException {
        RunManifest.createOrCheckData(runDir, smoke(), Map.of("train", "a"));
        IOException e = assertThrows(IOException.class,
                () -> RunManifest.createOrCheckData(runDir, smoke(), Map.of("train", "changed")));
        assertTrue(e.getMessage().contains("other data"), e.getMessage());
    }

    @Test
    void anotherFormatIsRefused() throws IOException {
        RunManifest.createOrCheckData(runDir, smoke(), Map.of("train", "a"));
        Path file = runDir.resolve(RunFiles.RUN);
        Files.writeString(file, Files.readString(file).replace("\"format\" : 1", "\"format\" : 99"));
        IOException e = assertThrows(IOException.class, () -> RunManifest.checkConfig(runDir, smoke()));
        assertTrue(e.getMessage().contains("format 99") && e.getMessage().contains("new run directory"), e.getMessage());
    }

    @Test
    void stateRecordsCompletedUnitsInOrder() throws IOException {
        RunState s = RunState.fresh().complete(0, RunState.Phase.TRAIN, 2);
        s.write(runDir);
        RunState back = RunState.read(runDir);
        assertTrue(back.isDone(0, RunState.Phase.TRAIN));
        assertEquals("eval", back.phase());
        assertEquals(List.of("gen-00/train"), back.completed());
    }
}
