package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.model.Devices;
import io.collapse.nativelib.JniRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `collapse run` asking for a GPU: refused at start without one, or run on the CPU when fallback is allowed. */
class RunCommandDeviceTest {

    @TempDir Path tmp;

    @Test
    void aGpuThatIsNotThereFailsBeforeTheRunDirectoryIsWritten() {
        Assumptions.assumeTrue(Devices.gpuCount() == 0, "this machine has a GPU");
        Path dir = tmp.resolve("run");
        Cli.Result r = Cli.run("run", "smoke", "--set", "device.device=gpu", "--run-dir", dir.toString(), "--no-progress",
                "--no-report");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("device 'gpu' asked for but no CUDA device is visible"), r.err());
        assertTrue(r.err().contains("device.fallback_to_cpu=true"), r.err());
        assertFalse(Files.exists(dir), "nothing written");

        Cli.Result list = Cli.run("run", "smoke", "--set", "device.devices=[\"gpu:0\",\"gpu:1\"]", "--set", "device.device=auto",
                "--run-dir", dir.toString(), "--no-progress", "--no-report");
        assertEquals(1, list.code(), list.out() + list.err());
        assertTrue(list.err().contains("device 'gpu:0' asked for but no CUDA device is visible"), list.err());
        assertFalse(Files.exists(dir), "nothing written");
    }

    /** DJL's own JNI aborts the JVM on bfloat16: refused first (the self-built one runs bf16). */
    @Test
    void bf16WithoutTheSelfBuiltJniFailsBeforeTheRunDirectoryIsWritten() {
        Assumptions.assumeFalse(JniRecord.bfloat16(), "the loaded JNI maps bfloat16");
        Path dir = tmp.resolve("run");
        Cli.Result r = Cli.run("run", "smoke", "--set", "train.mixed_precision=bf16", "--run-dir", dir.toString(),
                "--no-progress", "--no-report");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("train.mixed_precision=bf16 needs the JNI that `collapse native build` makes"), r.err());
        assertFalse(Files.exists(dir), "nothing written");
    }

    @Test
    void fallbackToCpuRunsOnTheCpu() throws Exception {
        Assumptions.assumeTrue(Devices.gpuCount() == 0, "this machine has a GPU");
        Path dir = tmp.resolve("run");
        Cli.Result r = Cli.run("run", "smoke", "--set", "device.device=gpu", "--set", "device.fallback_to_cpu=true",
                "--set", "experiment.generations=1", "--run-dir", dir.toString(), "--no-progress", "--no-report");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(Files.exists(dir.resolve("gen-00/eval.json")), "generation 0 evaluated");
        assertTrue(new ObjectMapper().readTree(dir.resolve("state.json").toFile()).path("finished").asBoolean(),
                "run finished");

        // A run.json written before the device list and mixed precision existed still resumes.
        ObjectMapper json = new ObjectMapper();
        ObjectNode run = (ObjectNode) json.readTree(dir.resolve("run.json").toFile());
        ((ObjectNode) run.path("config").path("device")).remove("devices");
        ((ObjectNode) run.path("config").path("train")).remove(List.of("mixed_precision", "loss_scale_init",
                "loss_scale_growth_interval"));
        Files.writeString(dir.resolve("run.json"), json.writeValueAsString(run));
        Cli.Result again = Cli.run("run", "smoke", "--set", "device.device=gpu", "--set", "device.fallback_to_cpu=true",
                "--set", "experiment.generations=1", "--run-dir", dir.toString(), "--no-progress", "--no-report");
        assertEquals(0, again.code(), again.out() + again.err());
    }
}
