package io.collapse.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Platform;
import ai.djl.util.Utils;
import io.collapse.config.DeviceConfig;
import io.collapse.config.LmConfig;
import io.collapse.config.ModelConfig;
import io.collapse.config.Presets;
import io.collapse.config.SpecialTokens;
import io.collapse.model.CausalLM;
import io.collapse.model.Devices;
import io.collapse.model.Sdpa;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.ModelSource;
import io.collapse.nativelib.JniRecord;
import io.collapse.text.AutoTokenizer;
import io.collapse.text.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Which engine, libtorch and devices this process sees. */
@Command(name = "info", description = "Show the engine, PyTorch version, devices, threads and cache paths; with --model or"
        + " --preset, also the model's family, class, size and eos ids, and a model folder's own tokenizer.")
final class InfoCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true)
    Described described = new Described();

    /** One model to describe, or none: picocli refuses both. */
    static final class Described {
        @Option(names = "--model", paramLabel = "M", description = "Also describe a model: an HF directory or a Hub id.")
        String model;

        @Option(names = "--preset", completionCandidates = PresetNames.class,
                description = "Also describe a preset: ${COMPLETION-CANDIDATES}.")
        String preset;
    }

    @Mixin JsonStdout stdout;

    /** The family, class and size of {@code --model} or {@code --preset}, and the tokenizer a model folder holds. */
    private void describeModel(Map<String, Object> info) throws java.io.IOException {
        String model = described.model;
        String preset = described.preset;
        Path dir = model == null ? null : ModelSource.resolve(model, ModelSource.defaultCacheDir());
        LmConfig config = dir == null ? Presets.get(preset) : LmConfig.read(dir.resolve(HfModelDir.CONFIG));
        CausalLM lm = AutoModelForCausalLM.of(config);
        info.put("model", model != null ? model : ModelConfig.PRESET + preset);
        info.put("model_type", config.modelType());
        info.put("model_class", lm.getClass().getSimpleName());
        info.put("parameters", lm.numParameters());
        info.put("layers", config.numHiddenLayers());
        info.put("hidden_size", config.hiddenSize());
        info.put("attention_heads", config.numAttentionHeads() + " (key/value " + config.numKeyValueHeads() + ")");
        info.put("vocab_size", config.vocabSize());
        info.put("tied_lm_head", config.tiedLmHead());
        info.put("eos_token_ids", (dir == null ? SpecialTokens.of(config) : HfModelDir.specialTokens(dir, config)).eosTokenIds());
        if (dir != null && HfModelDir.hasTokenizer(dir)) {
            Tokenizer tokenizer = AutoTokenizer.fromDir(dir);
            info.put("tokenizer", tokenizer.getClass().getSimpleName() + " (" + tokenizer.vocabSize() + " tokens)");
        }
    }

    /**
     * Where DJL took libtorch from, by the order of its {@code LibUtils}: {@code PYTORCH_LIBRARY_PATH}
     * (a local libtorch); else the {@code pytorch-native-*} jar on the classpath, unless there is none
     * or {@code PYTORCH_VERSION} names another version, in which case DJL's download (kept in the
     * engine cache, fetched only when not offline).
     */
    static String libtorchSource() {
        if (Utils.getEnvOrSystemProperty("PYTORCH_LIBRARY_PATH") != null) {
            return "PYTORCH_LIBRARY_PATH";
        }
        Platform platform = Platform.detectPlatform("pytorch");
        String wanted = Utils.getEnvOrSystemProperty("PYTORCH_VERSION");
        if (platform.isPlaceholder() || (wanted != null && !wanted.isEmpty() && !platform.getVersion().startsWith(wanted))) {
            return "DJL download (engine cache)";
        }
        return "bundled jar ai.djl.pytorch:pytorch-native-" + platform.getFlavor() + ":" + platform.getVersion()
                + ":" + platform.getClassifier();
    }

    /** The JNI actually mapped into this process, and whether DJL shipped it or {@code collapse native build} made it. */
    private static void jniSource(Map<String, Object> info) throws java.io.IOException {
        Optional<Path> jni = JniRecord.loadedJni();
        info.put("jni_library", jni.map(Path::toString).orElse("(not found in /proc/self/maps)"));
        if (jni.isPresent()) {
            String flavor = String.valueOf(info.get("pytorch_flavor")).replace("-precxx11", "");
            info.put("jni_origin", JniRecord.origin(jni.get(), Platform.detectPlatform("pytorch").getClassifier(), flavor));
        }
        info.put("jni_extras", JniRecord.extras());
        info.put("attention", attention());
    }

    /** The form -Dcollapse.attention asks for, or why it cannot be had here (info is where one looks). */
    private static String attention() {
        try {
            return Sdpa.form();
        } catch (IllegalArgumentException | IllegalStateException e) {
            return "error: " + e.getMessage();
        }
    }

    @Override
    public Integer call() throws Exception {
        Engine engine = Engine.getEngine("PyTorch");
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("engine", engine.getEngineName());
        info.put("djl_version", Engine.getDjlVersion());
        info.put("pytorch_version", engine.getVersion());
        Path libtorch = Path.of(LibUtils.getLibtorchPath());
        info.put("libtorch_source", libtorchSource());
        info.put("libtorch_dir", libtorch.toString());
        info.put("libtorch_cuda_build", Files.exists(libtorch.resolve("libtorch_cuda.so"))
                || Files.exists(libtorch.resolve("torch_cuda.dll")));
        info.put("pytorch_flavor", Utils.getEnvOrSystemProperty("PYTORCH_FLAVOR", Platform.detectPlatform("pytorch").getFlavor()));
        jniSource(info);
        info.put("pytorch_library_path", Utils.getEnvOrSystemProperty("PYTORCH_LIBRARY_PATH"));
        info.put("pytorch_version_env", Utils.getEnvOrSystemProperty("PYTORCH_VERSION"));
        info.put("djl_offline", Boolean.getBoolean("ai.djl.offline"));
        info.put("hub_offline", io.collapse.io.HubDownloader.offlineFromEnvironment());
        info.put("hub_cache_dir", ModelSource.defaultCacheDir().toString());
        int gpus = Devices.gpuCount();
        info.put("cuda_visible", gpus > 0);
        info.put("gpu_count", gpus);
        info.put("gpu_count_djl", engine.getGpuCount()); // through the CUDA runtime JNA finds: 0 where it finds none
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < gpus; i++) {
            devices.add(Device.gpu(i).toString());
        }
        if (gpus == 0) {
            devices.add(Device.cpu().toString());
        }
        info.put("devices", devices);
        info.put("default_device", Devices.resolve(DeviceConfig.DEFAULT).toString()); // what device auto resolves to
        info.put("torch_threads", JniUtils.getNumThreads());
        info.put("torch_interop_threads", JniUtils.getNumInteropThreads());
        info.put("cpu_cores", Runtime.getRuntime().availableProcessors());
        info.put("djl_cache_dir", Utils.getCacheDir().toString());
        info.put("engine_cache_dir", Utils.getEngineCacheDir().toString());
        info.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        if (described.model != null || described.preset != null) {
            describeModel(info);
        }
        stdout.print(info, out -> info.forEach((k, v) -> out.printf("%-22s %s%n", k, v)));
        return 0;
    }
}
