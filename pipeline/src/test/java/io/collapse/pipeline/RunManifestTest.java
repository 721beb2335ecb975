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
    @TempDir Path tmpBeam;

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

    /** collapse 0.1.0's hf-4.36 was today's hf-5: such a run is refused rather than continued by another rule. */
    @Test
    void anOldHf436RunIsRefusedAndOtherOldRunsContinue() throws IOException {
        RunManifest.createOrCheckData(runDir, smoke("generation.beam_length_rule=hf-4.36"), Map.of("train", "a"));
        Path file = runDir.resolve(RunFiles.RUN);
        String today = Files.readString(file);
        assertTrue(today.contains("\"collapse_version\" : \"" + RunManifest.VERSION + "\""), today);
        assertEquals(smoke("generation.beam_length_rule=hf-4.36"), RunManifest.readConfig(runDir));
        Files.writeString(file, today.replace("\"collapse_version\" : \"" + RunManifest.VERSION + "\"",
                "\"collapse_version\" : \"0.1.0\""));
        IOException e = assertThrows(IOException.class, () -> RunManifest.readConfig(runDir));
        assertTrue(e.getMessage().contains("hf-4.36") && e.getMessage().contains("hf-5")
                && e.getMessage().contains("collapse 0.1.0"), e.getMessage());
        assertThrows(IOException.class, () -> RunManifest.checkConfig(runDir, smoke("generation.beam_length_rule=hf-4.36")));

        Files.writeString(file, Files.readString(file).replace("\"hf-4.36\"", "\"hf-4.35\""));
        assertEquals(smoke(), RunManifest.readConfig(runDir));
    }

    /** Before 0.3.0 a sampling run drew every generation from generation.seed: it is refused, beam runs continue. */
    @Test
    void anOldSamplingRunIsRefusedAndOldBeamRunsContinue() throws IOException {
        String[] sampling = {"generation.strategy=sample", "generation.num_beams=1"};
        RunManifest.createOrCheckData(runDir, smoke(sampling), Map.of("train", "a"));
        Path file = runDir.resolve(RunFiles.RUN);
        String today = Files.readString(file);
        assertEquals(smoke(sampling), RunManifest.readConfig(runDir));
        Files.writeString(file, today.replace("\"collapse_version\" : \"" + RunManifest.VERSION + "\"",
                "\"collapse_version\" : \"0.2.0\""));
        IOException e = assertThrows(IOException.class, () -> RunManifest.checkConfig(runDir, smoke(sampling)));
        assertTrue(e.getMessage().contains("collapse 0.2.0") && e.getMessage().contains("generation.strategy sample")
                && e.getMessage().contains("new run directory"), e.getMessage());

        RunManifest.createOrCheckData(tmpBeam, smoke(), Map.of("train", "a"));
        Path beam = tmpBeam.resolve(RunFiles.RUN);
        Files.writeString(beam, Files.readString(beam).replace("\"collapse_version\" : \"" + RunManifest.VERSION + "\"",
                "\"collapse_version\" : \"0.2.0\""));
        assertEquals(smoke(), RunManifest.readConfig(tmpBeam));
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
