package io.collapse.nativelib;

import ai.djl.util.Platform;
import io.collapse.io.AtomicFiles;
import io.collapse.nativelib.JniSources.OwnUnit;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Compiles DJL 0.36's {@code libdjl_torch.so} against a given libtorch with the machine's g++ and
 * installs it where DJL's {@code LibUtils.findJniLibrary} looks once {@code PYTORCH_LIBRARY_PATH}
 * names a libtorch: {@code <engine cache>/pytorch/<version>-<flavor>-<classifier>/<api>-libdjl_torch.so}.
 * Does what upstream's build.sh + CMakeLists.txt do, without CMake: one g++ per source file, in
 * parallel, then one link.
 */
public final class JniBuild {

    /**
     * What to build.
     *
     * @param torchDir a pip PyTorch's {@code torch/} folder or an unpacked libtorch
     * @param djlSrc DJL's JNI sources
     * @param cxx the compiler, a name on PATH or a path
     * @param jobs compiler processes at once
     * @param cacheDir DJL's engine cache dir to install under; {@code null}: DJL's own
     *     ({@code ENGINE_CACHE_DIR}, else {@code DJL_CACHE_DIR}, else {@code ~/.djl.ai})
     */
    public record Options(Path torchDir, Path djlSrc, String cxx, int jobs, Path cacheDir) {
        public Options {
            if (jobs < 1) {
                throw new IllegalArgumentException("--jobs must be >= 1, got " + jobs);
            }
        }
    }

    /**
     * What was built.
     *
     * @param jni the installed library
     * @param took wall time of header generation, compilation and link
     * @param exports the environment that makes DJL load it
     */
    public record Result(Libtorch torch, Path jni, Duration took, String exports) {}

    private JniBuild() {}

    public static Result run(Options opt, PrintWriter out) throws IOException, InterruptedException {
        Libtorch torch = Libtorch.inspect(opt.torchDir());
        JniSources src = new JniSources(opt.djlSrc().toAbsolutePath().normalize());
        Toolchain tools = Toolchain.find(opt.cxx(), System.getenv("PATH"), Path.of(System.getProperty("java.home")));
        out.printf("libtorch %s at %s (%s build, _GLIBCXX_USE_CXX11_ABI=%d)%n", torch.version(), torch.root(),
                torch.cuda() ? "CUDA" : "CPU", torch.cxx11Abi() ? 1 : 0);
        out.printf("compiler %s; DJL JNI sources %s%n", tools.cxx(), src.root());
        Path cacheDir = opt.cacheDir() != null ? opt.cacheDir().toAbsolutePath() : ai.djl.util.Utils.getEngineCacheDir();
        Platform platform = Platform.detectPlatform("pytorch");
        Path target = cacheDir.resolve("pytorch").resolve(torch.baseVersion() + "-" + torch.flavor() + "-"
                + platform.getClassifier()).resolve(platform.getApiVersion() + "-libdjl_torch.so");
        JniRecord.refuseForeign(target);
        long t0 = System.nanoTime();
        Path work = Files.createTempDirectory("collapse-jni-");
        Built built = build(torch, src, tools, opt.jobs(), work, out);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        install(built.lib(), target);
        JniRecord.write(target, torch, built.cudaParts(), built.ownUnits());
        AtomicFiles.deleteTree(work);
        return new Result(torch, target, took, exports(torch, opt.cacheDir() != null ? cacheDir : null));
    }

    /** The line to export: DJL reads these from the environment (or as system properties). */
    static String exports(Libtorch torch, Path explicitCacheDir) {
        return "export PYTORCH_LIBRARY_PATH=" + torch.libDir() + " PYTORCH_VERSION=" + torch.baseVersion()
                + " PYTORCH_FLAVOR=" + torch.flavor() + (explicitCacheDir == null ? "" : " ENGINE_CACHE_DIR=" + explicitCacheDir);
    }

    /** The linked library, what of the CUDA parts it has, and which of collapse's own units are in it. */
    private record Built(Path lib, String cudaParts, Set<OwnUnit> ownUnits) {}

    private static Built build(Libtorch torch, JniSources src, Toolchain tools, int jobs, Path work, PrintWriter out)
            throws IOException, InterruptedException {
        generateHeader(src, work);
        Optional<CudaHeaders> cuda = torch.cuda() ? Optional.of(CudaHeaders.probe(tools, torch, work)) : Optional.empty();
        String cudaParts = describeCuda(cuda);
        out.println(cudaParts);
        List<String> flags = compileFlags(torch, src, tools, work, cuda.filter(CudaHeaders::usable));
        List<Path> units = new ArrayList<>(src.stagedUnits(work));
        Map<Path, OwnUnit> own = new LinkedHashMap<>(); // each staged own unit -> what it is
        for (OwnUnit u : OwnUnit.ALL) {
            own.put(JniSources.staged(u, work), u);
        }
        units.addAll(own.keySet());
        Map<Path, String> lost = own.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().withoutIt()));
        List<Path> objects = compileAll(units, lost, flags, jobs, work, out);
        Path lib = link(objects, torch, tools, cuda.filter(CudaHeaders::usable).isPresent(), work);
        Set<OwnUnit> compiled = own.entrySet().stream().filter(e -> objects.contains(objectOf(e.getKey(), work)))
                .map(Map.Entry::getValue).collect(Collectors.toSet());
        return new Built(lib, cudaParts, compiled);
    }

    private static String describeCuda(Optional<CudaHeaders> cuda) {
        if (cuda.isEmpty()) {
            return "CUDA parts: none (CPU libtorch)";
        }
        return cuda.get().missing()
                .map(h -> "CUDA parts: left out (" + h + " not found in torch's include/, $CUDA_HOME/include,"
                        + " /usr/local/cuda/include or site-packages/nvidia/*/include); GPU tensors still work, only"
                        + " torchCudaEmptyCache is a no-op")
                .orElse("CUDA parts: built (USE_CUDA, headers from " + cuda.get().includeDirs() + ")");
    }

    /** {@code javac -h}: the JNI header the .cc files include, from DJL's own PyTorchLibrary.java. */
    private static void generateHeader(JniSources src, Path work) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new IllegalStateException("no Java compiler in " + System.getProperty("java.home")
                    + " (javac -h writes the JNI header; run with a full JDK 17)");
        }
        Path log = work.resolve("javac.log");
        try (var err = Files.newOutputStream(log)) {
            int rc = javac.run(null, err, err, "-h", work.resolve("include").toString(), "-d",
                    work.resolve("classes").toString(), src.jniJava().toString());
            if (rc != 0) {
                throw new IllegalStateException("javac -h " + src.jniJava() + " failed; log: " + log);
            }
        }
    }

    static List<String> compileFlags(Libtorch torch, JniSources src, Toolchain tools, Path work, Optional<CudaHeaders> cuda) {
        List<String> f = new ArrayList<>(List.of(tools.cxx().toString(), "-O2", "-fPIC", "-std=c++17",
                "-D_GLIBCXX_USE_CXX11_ABI=" + (torch.cxx11Abi() ? 1 : 0)));
        if (torch.baseVersion().matches("2\\.[01]\\..*")) {
            f.add("-DV1_13_X"); // upstream's build.sh: the c10::variant era (1.13.1, 2.0.1, 2.1.x)
        }
        cuda.ifPresent(c -> f.add("-DUSE_CUDA"));
        f.add("-I" + work.resolve("include"));
        CudaHeaders.torchIncludes(torch).forEach(d -> f.add("-I" + d));
        tools.jniIncludes().forEach(d -> f.add("-I" + d));
        f.add("-I" + src.utilsInclude());
        cuda.ifPresent(c -> c.includeDirs().forEach(d -> f.add("-I" + d)));
        return f;
    }

    /**
     * One compiler process per file, {@code jobs} at a time; a failure names the file, its first error
     * and its log. A unit in {@code optional} that fails is left out with a note saying what is lost without
     * it, the map's value (collapse's own code
     * against a libtorch it was not tried on must not cost DJL's JNI itself).
     *
     * @return the objects, in the order of {@code units}, without any optional one that failed
     */
    static List<Path> compileAll(List<Path> units, Map<Path, String> optional, List<String> flags, int jobs, Path work,
            PrintWriter out) throws InterruptedException {
        out.printf("compiling %d files, %d at a time ...%n", units.size(), jobs);
        out.flush();
        ExecutorService pool = Executors.newFixedThreadPool(jobs);
        AtomicInteger done = new AtomicInteger();
        List<Future<Path>> futures = new ArrayList<>();
        for (Path unit : units) {
            futures.add(pool.submit(() -> compileOne(unit, flags, work, out, done, units.size())));
        }
        pool.shutdown();
        List<Path> objects = new ArrayList<>();
        try {
            for (int i = 0; i < units.size(); i++) {
                try {
                    objects.add(futures.get(i).get());
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!optional.containsKey(units.get(i))) {
                        throw e;
                    }
                    out.printf("  left out %s (%s); its first errors, as the build folder is removed:%n%s%n",
                            units.get(i).getFileName(), optional.get(units.get(i)), firstErrors(units.get(i), work));
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            pool.shutdownNow();
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        return objects;
    }

    /** Up to 5 lines of a unit's compiler log that name an error; without any (a killed compiler), its last 5. */
    private static String firstErrors(Path unit, Path work) {
        try {
            List<String> log = Files.readAllLines(compileLog(unit, work));
            List<String> errors = errorLines(log, 5);
            List<String> shown = errors.isEmpty() ? log.subList(Math.max(0, log.size() - 5), log.size()) : errors;
            return shown.stream().map(l -> "    " + l.strip()).collect(java.util.stream.Collectors.joining("\n"));
        } catch (IOException e) {
            return "    (no compiler log: " + e.getMessage() + ")";
        }
    }

    private static Path objectOf(Path unit, Path work) {
        return work.resolve("obj").resolve(unit.getFileName().toString().replaceAll("\\.cc$", ".o"));
    }

    private static Path compileLog(Path unit, Path work) {
        return work.resolve("obj").resolve(unit.getFileName() + ".log");
    }

    /** The first {@code max} lines of a compiler or linker log that name an error. */
    private static List<String> errorLines(List<String> log, int max) {
        return log.stream().filter(l -> l.contains("error")).limit(max).toList();
    }

    private static Path compileOne(Path unit, List<String> flags, Path work, PrintWriter out, AtomicInteger done,
            int total) throws IOException, InterruptedException {
        String name = unit.getFileName().toString();
        Path obj = objectOf(unit, work);
        Files.createDirectories(obj.getParent());
        List<String> cmd = new ArrayList<>(flags);
        cmd.addAll(List.of("-c", unit.toString(), "-o", obj.toString()));
        long t0 = System.nanoTime();
        run(cmd, compileLog(unit, work), "compiling " + name);
        synchronized (out) {
            out.printf("  [%d/%d] %s (%d s)%n", done.incrementAndGet(), total, name, (System.nanoTime() - t0) / 1_000_000_000L);
            out.flush();
        }
        return obj;
    }

    /**
     * One shared library against torch's own {@code lib/}. Without the CUDA parts every symbol must
     * resolve at link time ({@code -z defs}), so an ABI or version mismatch fails here rather than
     * at load; with them, CUDA runtime symbols resolve at load through libtorch_cuda, as upstream
     * links them. {@code --no-as-needed} keeps libtorch_cuda a dependency: it registers the CUDA kernels.
     */
    private static Path link(List<Path> objects, Libtorch torch, Toolchain tools, boolean cudaParts, Path work)
            throws IOException, InterruptedException {
        Path lib = work.resolve("libdjl_torch.so");
        List<String> cmd = new ArrayList<>(List.of(tools.cxx().toString(), "-shared", "-o", lib.toString()));
        objects.forEach(o -> cmd.add(o.toString()));
        cmd.addAll(List.of("-L" + torch.libDir(), "-Wl,-rpath," + torch.libDir(), "-Wl,--no-as-needed",
                "-ltorch", "-ltorch_cpu", "-lc10"));
        if (torch.cuda()) {
            cmd.addAll(List.of("-ltorch_cuda", "-lc10_cuda"));
        }
        if (!cudaParts) {
            cmd.add("-Wl,-z,defs");
        }
        run(cmd, work.resolve("link.log"), "linking libdjl_torch.so");
        return lib;
    }

    private static void run(List<String> cmd, Path log, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int rc = p.waitFor();
        if (rc != 0) {
            String first = errorLines(Files.readAllLines(log), 1).stream().findFirst().orElse("");
            throw new IllegalStateException(what + " failed (exit " + rc + "): " + first.strip() + "; full log: " + log);
        }
    }

    /** Through AtomicFiles: a killed build never leaves half a library where DJL looks. */
    private static void install(Path lib, Path target) throws IOException {
        AtomicFiles.writeFile(target, tmp -> Files.copy(lib, tmp, StandardCopyOption.REPLACE_EXISTING));
    }
}
