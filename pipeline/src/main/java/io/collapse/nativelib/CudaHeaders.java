package io.collapse.nativelib;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Whether the CUDA parts of the JNI (compiled under {@code USE_CUDA}, as upstream's build.sh does
 * for a {@code cu*} flavour) can be built: they include torch's CUDA headers, which include the
 * CUDA toolkit's ({@code cuda_runtime_api.h}, cuBLAS, cuSPARSE…). A pip torch ships without those
 * unless the {@code nvidia-*} wheels beside it carry them; without them the JNI is built without
 * its CUDA parts, which only empties the CUDA cache ({@code torchCudaEmptyCache} becomes a no-op)
 * and runs TorchScript inference on a side stream — tensors still run on the GPU through libtorch.
 *
 * @param includeDirs where the toolkit headers were found
 * @param missing the first header the compiler could not find, empty when all are there
 */
public record CudaHeaders(List<Path> includeDirs, Optional<String> missing) {

    /** Exactly the CUDA headers that the JNI sources include under {@code USE_CUDA}. */
    static final String PROBE = """
            #include <ATen/cuda/CUDAContext.h>
            #include <c10/cuda/CUDAGuard.h>
            #include <c10/cuda/CUDAStream.h>
            #include <c10/cuda/CUDACachingAllocator.h>
            """;

    private static final Pattern NOT_FOUND = Pattern.compile("fatal error: ([^:]+): No such file");

    public boolean usable() {
        return missing.isEmpty();
    }

    /** Preprocesses {@link #PROBE} with torch's includes plus every CUDA include folder found. */
    static CudaHeaders probe(Toolchain tools, Libtorch torch, Path work) throws IOException, InterruptedException {
        return probe(tools, torch, work, toolkitDirs());
    }

    static CudaHeaders probe(Toolchain tools, Libtorch torch, Path work, List<Path> toolkitDirs)
            throws IOException, InterruptedException {
        List<Path> dirs = new ArrayList<>(toolkitDirs);
        dirs.addAll(pipDirs(torch));
        Path probe = work.resolve("cuda_probe.cc");
        Files.writeString(probe, PROBE);
        List<String> cmd = new ArrayList<>(List.of(tools.cxx().toString(), "-E", "-std=c++17", "-o", "/dev/null"));
        for (Path d : torchIncludes(torch)) {
            cmd.add("-I" + d);
        }
        for (Path d : dirs) {
            cmd.add("-I" + d);
        }
        cmd.add(probe.toString());
        Path log = work.resolve("cuda_probe.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (p.waitFor() == 0) {
            return new CudaHeaders(dirs, Optional.empty());
        }
        Matcher m = NOT_FOUND.matcher(Files.readString(log));
        return new CudaHeaders(dirs, Optional.of(m.find() ? m.group(1) : "(see " + log + ")"));
    }

    static List<Path> torchIncludes(Libtorch torch) {
        return List.of(torch.includeDir(), torch.includeDir().resolve("torch/csrc/api/include"));
    }

    /** A CUDA toolkit's headers: {@code $CUDA_HOME}, {@code $CUDA_PATH}, {@code /usr/local/cuda}. */
    static List<Path> toolkitDirs() {
        List<Path> out = new ArrayList<>();
        for (String env : List.of("CUDA_HOME", "CUDA_PATH")) {
            String v = System.getenv(env);
            if (v != null && Files.isDirectory(Path.of(v, "include"))) {
                out.add(Path.of(v, "include"));
            }
        }
        if (Files.isDirectory(Path.of("/usr/local/cuda/include"))) {
            out.add(Path.of("/usr/local/cuda/include"));
        }
        return out;
    }

    /** pip's CUDA wheels beside torch: {@code site-packages/nvidia/*}{@code /include}. */
    static List<Path> pipDirs(Libtorch torch) throws IOException {
        List<Path> out = new ArrayList<>();
        Path nvidia = torch.root().resolveSibling("nvidia");
        if (Files.isDirectory(nvidia)) {
            try (Stream<Path> s = Files.list(nvidia)) {
                s.map(p -> p.resolve("include")).filter(Files::isDirectory).sorted().forEach(out::add);
            }
        }
        return out;
    }
}
