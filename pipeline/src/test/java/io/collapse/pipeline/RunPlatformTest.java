package io.collapse.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.collapse.config.ConfigLoader;
import io.collapse.config.RunConfig;
import io.collapse.io.AtomicFiles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each start records its devices, libtorch, threads and collapse version; a start elsewhere than the last is warned about. */
class RunPlatformTest {

    @TempDir Path runDir;

    @Test
    void aStartOnAnotherPlatformIsWarnedAboutAndRecorded() throws Exception {
        RunConfig cfg = RunConfig.load("smoke",
                List.of("experiment.generations=1", "data.train_blocks=16"));
        Experiment.run(cfg, List.of(), runDir, Experiment.Bars.NONE, new PrintWriter(Writer.nullWriter()), Experiment.Listener.NONE);
        // As if it had last run on an H100, under a collapse that did not record its version, and a kill had
        // then torn a line inside a multi-byte character (bytes C3, then nothing); its generation is redone
        // by the start below.
        AtomicFiles.deleteTree(runDir.resolve("gen-00"));
        Files.delete(runDir.resolve(RunState.FILE));
        byte[] torn = {'{', '"', 'd', 'i', 'r', '"', ':', '"', (byte) 0xC3};
        Files.writeString(runDir.resolve(RunFiles.EVENTS), "{\"time\":\"t\",\"event\":\"platform\",\"devices\":[\"gpu(0)\"],"
                + "\"hardware\":\"compute capability 90, CUDA 13.0\",\"libtorch\":\"2.11.0\",\"threads\":16}\n");
        Files.write(runDir.resolve(RunFiles.EVENTS), torn, java.nio.file.StandardOpenOption.APPEND);
        StringWriter log = new StringWriter();
        Experiment.run(cfg, List.of(), runDir, Experiment.Bars.NONE, new PrintWriter(log, true), Experiment.Listener.NONE);

        RunPlatform here = RunPlatform.current(List.of(Device.cpu()));
        assertTrue(log.toString().contains("warning: since the last start here, devices gpu(0) -> cpu(); hardware compute capability"
                + " 90, CUDA 13.0 -> " + here.hardware() + "; libtorch 2.11.0 -> " + here.libtorch() + "; threads 16 -> "
                + here.threads() + "; collapse 0.3.3 or earlier -> " + RunManifest.VERSION + "; from here on the results may"
                + " differ in their last bits from an uninterrupted run's"), log.toString());
        assertTrue(here.toString().endsWith(" threads, collapse " + RunManifest.VERSION), here.toString());
        Path events = runDir.resolve(RunFiles.EVENTS);
        assertEquals(here, RunPlatform.lastRecorded(events));
        assertEquals(ConfigLoader.JSON.valueToTree(here.fields()).toString(),
                ConfigLoader.JSON.valueToTree(RunPlatform.lastRecorded(events).fields()).toString());
    }

    @Test
    void theSamePlatformOrANewRunIsNoWarning() {
        RunPlatform a = new RunPlatform(List.of("gpu(0)"), "compute capability 90, CUDA 13.0", "2.11.0", 16, "0.3.4");
        assertNull(a.warningSince(null));
        assertNull(a.warningSince(new RunPlatform(List.of("gpu(0)"), "compute capability 90, CUDA 13.0", "2.11.0", 16, "0.3.4")));
        String threads = a.warningSince(new RunPlatform(List.of("gpu(0)"), "compute capability 90, CUDA 13.0", "2.11.0", 4, "0.3.4"));
        assertTrue(threads.startsWith("warning: since the last start here, threads 4 -> 16; from here on"), threads);
        String card = a.warningSince(new RunPlatform(List.of("gpu(0)"), "compute capability 80, CUDA 13.0", "2.11.0", 16, "0.3.4"));
        assertTrue(card.startsWith("warning: since the last start here, hardware compute capability 80, CUDA 13.0 -> compute"
                + " capability 90, CUDA 13.0; from"), "an A100 node, then an H100 one: " + card);
        // Only the version: said alone, not as two whole platforms.
        String upgraded = a.warningSince(new RunPlatform(List.of("gpu(0)"), "compute capability 90, CUDA 13.0", "2.11.0", 16, null));
        assertEquals("warning: since the last start here, collapse 0.3.3 or earlier -> 0.3.4; from here on the results may differ"
                + " in their last bits from an uninterrupted run's (in dropout's draws too where the attention changed)", upgraded);
    }

    @Test
    void tf32IsPartOfAGpusHardwareOnlyWhenLibtorchsSwitchIsOn() {
        assertEquals("", RunPlatform.tf32(false));
        assertEquals(", TF32 float32 matmuls (TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1)", RunPlatform.tf32(true));
        RunPlatform plain = new RunPlatform(List.of("gpu(0)"), "compute capability 90, CUDA 130", "2.11.0", 16, "0.3.4");
        RunPlatform tf32 = new RunPlatform(List.of("gpu(0)"), "compute capability 90, CUDA 130" + RunPlatform.tf32(true),
                "2.11.0", 16, "0.3.4");
        assertTrue(tf32.warningSince(plain).contains("hardware compute capability 90, CUDA 130 -> compute capability 90, CUDA 130,"
                + " TF32"), tf32.warningSince(plain));
    }
}
