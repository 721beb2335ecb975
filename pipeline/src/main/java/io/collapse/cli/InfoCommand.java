package io.collapse.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Utils;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Which engine, libtorch and devices this process sees. */
@Command(name = "info", description = "Show the engine, PyTorch version, devices, threads and cache paths.")
final class InfoCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Engine engine = Engine.getEngine("PyTorch");
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("engine", engine.getEngineName());
        info.put("djl_version", Engine.getDjlVersion());
        info.put("pytorch_version", engine.getVersion());
        info.put("pytorch_flavor", System.getenv().getOrDefault("PYTORCH_FLAVOR", "cpu (bundled jar)"));
        info.put("pytorch_library_path", System.getenv("PYTORCH_LIBRARY_PATH"));
        info.put("djl_offline", Boolean.getBoolean("ai.djl.offline"));
        info.put("hub_offline", io.collapse.model.hf.HubDownloader.offlineFromEnvironment());
        info.put("hub_cache_dir", io.collapse.model.hf.ModelSource.defaultCacheDir().toString());
        info.put("cuda_visible", engine.getGpuCount() > 0);
        info.put("gpu_count", engine.getGpuCount());
        List<String> devices = new ArrayList<>();
        for (Device d : engine.getDevices()) {
            devices.add(d.toString());
        }
        info.put("devices", devices);
        info.put("default_device", engine.defaultDevice().toString());
        info.put("torch_threads", JniUtils.getNumThreads());
        info.put("torch_interop_threads", JniUtils.getNumInteropThreads());
        info.put("cpu_cores", Runtime.getRuntime().availableProcessors());
        info.put("djl_cache_dir", Utils.getCacheDir().toString());
        info.put("engine_cache_dir", Utils.getEngineCacheDir().toString());
        info.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(info));
        } else {
            info.forEach((k, v) -> out.printf("%-22s %s%n", k, v));
        }
        out.flush();
        return 0;
    }
}
