package io.collapse.pipeline;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.cuda.CudaUtils;
import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.config.ConfigLoader;
import io.collapse.model.Devices;
import io.collapse.model.Sdpa;
import io.collapse.train.AdamW;
import io.collapse.train.EventLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a run's bytes depend on besides its config and data (README, "Same seed, same bytes"): the
 * devices it computes on and their hardware (a GPU's compute capability, CUDA version and whether
 * float32 matmuls run as TF32; a CPU's model), the libtorch build (and whether AdamW runs fused,
 * which the JNI decides, and attention through SDPA, which {@code -Dcollapse.attention} asks for), its
 * thread count, and the collapse version (a version may round otherwise: 0.3.4 joined the bias to
 * the matmul, as HF does). Every start of a run records it
 * in events.jsonl; a start on another platform than the last is warned about, since from there on
 * the results may differ from a run that never moved: in their last bits, and where the attention form
 * changed, in training's dropout draws too.
 */
public record RunPlatform(List<String> devices, String hardware, String libtorch, int threads, String collapse) {

    /**
     * A start's record: the warning on {@code log} where the last start recorded in {@code events}
     * (a run's or a training folder's events.jsonl) ran on another platform, then this platform's
     * event through {@code append}, which writes that file.
     */
    public static void recordStart(Path events, List<Device> devices, PrintWriter log,
            BiConsumer<String, Map<String, Object>> append) throws IOException {
        RunPlatform platform = current(devices);
        String moved = platform.warningSince(lastRecorded(events));
        if (moved != null) {
            log.println(moved);
            log.flush();
        }
        append.accept(RunEvent.PLATFORM.id(), platform.fields());
    }

    static RunPlatform current(List<Device> devices) {
        String hardware = devices.stream().map(RunPlatform::hardware).distinct().collect(Collectors.joining("; "));
        String libtorch = Engine.getEngine("PyTorch").getVersion() + (AdamW.fused(devices.get(0)) ? " with the fused AdamW" : "")
                + (Sdpa.on() ? ", attention through SDPA" : "");
        return new RunPlatform(devices.stream().map(Device::toString).toList(), hardware, libtorch, JniUtils.getNumThreads(),
                RunManifest.VERSION);
    }

    /** What a device's kernels depend on: a GPU's compute capability and CUDA version, a CPU's model. */
    private static String hardware(Device device) {
        if (device.isGpu()) {
            String card;
            try {
                card = "compute capability " + CudaUtils.getComputeCapability(device.getDeviceId()) + ", CUDA "
                        + CudaUtils.getCudaVersionString();
            } catch (RuntimeException e) {
                card = "a GPU whose compute capability DJL cannot read (no CUDA runtime on its library path)";
            }
            return card + tf32(Devices.tf32(device));
        }
        String model = "";
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            model = lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("");
        } catch (IOException | UncheckedIOException e) {
            // Not Linux: the architecture alone.
        }
        return (System.getProperty("os.arch") + " " + model).trim();
    }

    /** TF32 changes every float32 product's bits (and doubles the speed of an H200's training). */
    static String tf32(boolean on) {
        return on ? ", TF32 float32 matmuls (" + Devices.TF32_OVERRIDE + "=1)" : "";
    }

    /** The platform the last start recorded in {@code events} (a run's or a training folder's events.jsonl), or null before the first. */
    static RunPlatform lastRecorded(Path events) throws IOException {
        JsonNode e = EventLog.last(events, RunEvent.PLATFORM.id());
        if (e == null) {
            return null;
        }
        List<String> devices = new ArrayList<>();
        e.path("devices").forEach(d -> devices.add(d.asText()));
        return new RunPlatform(devices, e.path("hardware").asText(), e.path("libtorch").asText(), e.path("threads").asInt(),
                e.path("collapse").asText(null)); // recorded from 0.3.4 on
    }

    Map<String, Object> fields() {
        return ConfigLoader.fields("devices", devices, "hardware", hardware, "libtorch", libtorch, "threads", threads,
                "collapse", collapse);
    }

    /** A one-line warning naming what changed when {@code before} (null: a new run) is another platform, else null. */
    String warningSince(RunPlatform before) {
        if (before == null || before.equals(this)) {
            return null;
        }
        List<String> changed = new ArrayList<>();
        changed(changed, "devices", String.join(", ", before.devices), String.join(", ", devices));
        changed(changed, "hardware", before.hardware, hardware);
        changed(changed, "libtorch", before.libtorch, libtorch);
        changed(changed, "threads", Integer.toString(before.threads), Integer.toString(threads));
        changed(changed, "collapse", version(before.collapse), version(collapse));
        return "warning: since the last start here, " + String.join("; ", changed) + "; from here on the results may differ"
                + " in their last bits from an uninterrupted run's (in dropout's draws too where the attention changed)";
    }

    private static void changed(List<String> out, String what, String from, String to) {
        if (!from.equals(to)) {
            out.add(what + " " + from + " -> " + to);
        }
    }

    /** A recorded version, or what the record's absence means. */
    private static String version(String collapse) {
        return collapse == null ? "0.3.3 or earlier" : collapse;
    }

    @Override
    public String toString() {
        return String.join(", ", devices) + " (" + hardware + ") with libtorch " + libtorch + " and " + threads + " threads, collapse "
                + version(collapse);
    }
}
