package io.collapse.bundle;

import io.collapse.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

/**
 * Lays out the offline bundle from a built checkout ({@code mvn -B package -DskipTests}). What
 * travels is small: launchers, bench/ and one {@code payload.tar.xz} that the launchers unpack in
 * place on first use (a few seconds). Packed with xz, the runtime is stored uncompressed by jlink
 * (xz shrinks it 4x, jlink's zip 1.5x) and the fixtures' safetensors and pytorch_model.bin copies
 * of the same weights fall in one xz window. Unpacked:
 *
 * <pre>
 * DIR/collapse               launcher (the bundle's own Java; collapse.repo = DIR)
 * DIR/run-tests              the test suite through JUnit's console launcher
 * DIR/collapse.jar, lib/     the project's jars, no pytorch-native-cpu, natives trimmed to linux-x86_64
 * DIR/runtime/               jlink'ed Java 17 (jdeps' modules + jdk.compiler) with include/jni.h
 * DIR/test/                  test classes and resources (also as src/test/resources), the JUnit console jar
 * DIR/datasets/              the bundled wikitext-2 (runs offline)
 * DIR/third_party/djl-0.36.0-pytorch-jni/   sources for `native build` (found there before ../shared)
 * DIR/bench/                 compare.py and gpu/ (check.sh, diagnose.sh; outside the payload)
 * </pre>
 */
public final class Bundle {

    /** The CPU libtorch jar: the bundle runs against the machine's own libtorch instead. */
    static final String CPU_NATIVE_JAR = "pytorch-native-cpu-";

    /** Modules jdeps cannot see: javac -h for `native build`, HTTPS to the Hub, JUnit's console. */
    static final List<String> EXTRA_MODULES = List.of("jdk.compiler", "jdk.crypto.ec", "java.management",
            "jdk.unsupported", "java.naming", "jdk.zipfs");

    /**
     * What a built checkout provides.
     *
     * @param repo the repository root (datasets/, bench/)
     * @param target pipeline/target after {@code mvn package} (collapse.jar, lib/, test-classes/, bundle/)
     * @param djlSrc DJL's v0.36.0 JNI sources
     */
    public record Inputs(Path repo, Path target, Path djlSrc) {

        Path consoleJar() throws IOException {
            try (Stream<Path> s = Files.list(target.resolve("bundle"))) {
                return s.filter(p -> p.getFileName().toString().startsWith("junit-platform-console-standalone"))
                        .findFirst().orElseThrow(() -> missing(target.resolve("bundle/junit-platform-console-standalone-*.jar")));
            }
        }

        void check() throws IOException {
            for (Path need : List.of(target.resolve("collapse.jar"), target.resolve("lib"),
                    target.resolve("test-classes"), target.resolve("bundle"), repo.resolve("datasets"),
                    repo.resolve("bench/gpu/check.sh"), djlSrc.resolve("native"))) {
                if (!Files.exists(need)) {
                    throw missing(need);
                }
            }
            consoleJar();
        }

        private static IllegalStateException missing(Path p) {
            return new IllegalStateException("" + p + " is missing (build first: mvn -B package -DskipTests,"
                    + " with the DJL JNI sources beside the repository or --djl-src)");
        }
    }

    private Bundle() {}

    /** What the payload holds; everything else stays outside it. */
    static final List<String> PAYLOAD = List.of("runtime", "collapse.jar", "lib", "test", "datasets", "third_party");

    /**
     * Builds the bundle in {@code out} (absent or empty); returns its size in bytes. {@code pack}:
     * the payload as {@code payload.tar.xz} (needs tar and xz here); otherwise left unpacked.
     */
    public static long build(Inputs in, Path out, boolean pack, PrintWriter log) throws IOException, InterruptedException {
        in.check();
        requireEmpty(out);
        Files.createDirectories(out);
        List<Path> jars = copyJars(in, out, log);
        jlink(modules(jars, in.target().resolve("test-classes"), in.consoleJar(), log), out.resolve("runtime"), log);
        copyJniHeaders(out.resolve("runtime"));
        stripJvm(out.resolve("runtime"), log);
        copyTree(in.target().resolve("test-classes"), out.resolve("test/classes"));
        // The fuzz tests need Jazzer's agent and jars (8 MiB), which the bundle does not carry:
        // fuzzing is for development machines, and run-tests scans every class it finds.
        if (Files.exists(out.resolve("test/classes/io/collapse/fuzz"))) {
            AtomicFiles.deleteTree(out.resolve("test/classes/io/collapse/fuzz"));
        }
        // Tests open fixtures as src/test/resources/... (and the vocabulary as src/main/resources/...)
        // from the module folder, as surefire runs them; run-tests works in test/, where they are.
        Files.createDirectories(out.resolve("test/src/test"));
        Files.createSymbolicLink(out.resolve("test/src/test/resources"), Path.of("../../classes"));
        copyTree(in.repo().resolve("pipeline/src/main/resources"), out.resolve("test/src/main/resources"));
        Files.copy(in.consoleJar(), out.resolve("test/junit-platform-console-standalone.jar"));
        copyTree(in.repo().resolve("datasets"), out.resolve("datasets"));
        copyTree(in.djlSrc(), out.resolve("third_party/djl-0.36.0-pytorch-jni"));
        copyTree(in.repo().resolve("bench"), out.resolve("bench"));
        writeLaunchers(out);
        log.printf("unpacked: %.1f MiB%n", size(out) / 1048576.0);
        log.flush();
        if (pack) {
            pack(out, log);
        }
        long size = size(out);
        log.printf("bundle %s: %.1f MiB%n", out, size / 1048576.0);
        log.flush();
        return size;
    }

    private static void requireEmpty(Path out) throws IOException {
        if (Files.isDirectory(out)) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalStateException("--out " + out + " is not empty (expected a new or empty folder)");
                }
            }
        } else if (Files.exists(out)) {
            throw new IllegalStateException("--out " + out + " is a file (expected a new or empty folder)");
        }
    }

    /** collapse.jar at the top (its manifest names lib/*.jar), the others trimmed into lib/. */
    private static List<Path> copyJars(Inputs in, Path out, PrintWriter log) throws IOException {
        Files.createDirectories(out.resolve("lib"));
        Files.copy(in.target().resolve("collapse.jar"), out.resolve("collapse.jar"));
        List<Path> jars = new ArrayList<>(List.of(out.resolve("collapse.jar")));
        try (Stream<Path> s = Files.list(in.target().resolve("lib"))) {
            for (Path jar : s.sorted().toList()) {
                String name = jar.getFileName().toString();
                if (name.startsWith(CPU_NATIVE_JAR)) {
                    log.println("left out " + name + " (the machine's own libtorch is used)");
                    continue;
                }
                Path to = out.resolve("lib").resolve(name);
                int dropped = NativeTrim.copy(jar, to);
                if (dropped > 0) {
                    log.printf("%s: %d native libraries of other platforms dropped%n", name, dropped);
                }
                jars.add(to);
            }
        }
        return jars;
    }

    /**
     * jdeps over each jar and the tests, plus {@link #EXTRA_MODULES}. One jar at a time: a modular
     * jar whose optional module is absent (commons-compress wants commons-lang3) fails jdeps as a
     * whole; such a jar is reported and counted as java.base only.
     */
    static List<String> modules(List<Path> jars, Path testClasses, Path consoleJar, PrintWriter log) {
        List<Path> inputs = new ArrayList<>(jars);
        inputs.add(consoleJar);
        inputs.add(testClasses);
        TreeSet<String> modules = new TreeSet<>(EXTRA_MODULES);
        for (Path input : inputs) {
            // The others on the class path (the input itself there too would be a "split package").
            String cp = String.join(":", inputs.stream().filter(p -> !p.equals(input)).map(Path::toString).toList());
            try {
                String found = tool("jdeps", List.of("--print-module-deps", "--ignore-missing-deps", "--multi-release",
                        "17", "--class-path", cp, input.toString()));
                modules.addAll(moduleNames(found));
            } catch (RuntimeException e) { // jdeps throws FindException for a modular jar's missing module
                log.println("jdeps skipped " + input.getFileName() + ": " + e.getMessage());
            }
        }
        modules.remove("");
        return List.copyOf(modules);
    }

    /** The module list of jdeps' output, whatever warnings it printed around it. */
    static List<String> moduleNames(String jdepsOut) {
        String[] lines = jdepsOut.trim().split("\\R");
        return Stream.of(lines[lines.length - 1].split(","))
                .filter(m -> m.matches("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*")).toList();
    }

    private static void jlink(List<String> modules, Path runtime, PrintWriter log) throws IOException {
        log.println("jlink " + String.join(",", modules));
        log.flush();
        // --compress=0: xz packs the plain image far smaller than jlink's own zip would leave it.
        tool("jlink", List.of("--add-modules", String.join(",", modules), "--output", runtime.toString(),
                "--strip-debug", "--no-man-pages", "--no-header-files", "--compress=0"));
        // ct.sym serves javac --release only; `native build` runs javac -h for the running release.
        Files.deleteIfExists(runtime.resolve("lib/ct.sym"));
    }

    /** The payload as one xz stream (one thread, -9: a 64 MiB window, so repeated weights pack once). */
    private static void pack(Path out, PrintWriter log) throws IOException, InterruptedException {
        log.println("packing payload.tar.xz (xz -9, a minute or two) ...");
        log.flush();
        List<String> tar = new ArrayList<>(List.of("tar", "-C", out.toString(), "-cf", "-"));
        tar.addAll(PAYLOAD);
        Path xz = out.resolve("payload.tar.xz");
        List<Process> procs = ProcessBuilder.startPipeline(List.of(
                new ProcessBuilder(tar).redirectError(ProcessBuilder.Redirect.INHERIT),
                new ProcessBuilder("xz", "-9", "-T1", "-c").redirectOutput(xz.toFile())
                        .redirectError(ProcessBuilder.Redirect.INHERIT)));
        for (Process p : procs) {
            if (p.waitFor() != 0) {
                throw new IllegalStateException("packing " + xz + " failed: " + p.info().command().orElse("tar | xz")
                        + " exited " + p.exitValue() + " (are tar and xz installed? --no-pack leaves the bundle unpacked)");
            }
        }
        for (String entry : PAYLOAD) {
            AtomicFiles.deleteTree(out.resolve(entry));
        }
    }

    /** {@code strip} libjvm.so's symbols where strip exists: a fifth of the runtime, unused at run time. */
    private static void stripJvm(Path runtime, PrintWriter log) throws IOException, InterruptedException {
        Path jvm = runtime.resolve("lib/server/libjvm.so");
        try {
            Process p = new ProcessBuilder("strip", "--strip-unneeded", jvm.toString()).inheritIO().start();
            if (p.waitFor() != 0) {
                log.println("strip exited " + p.exitValue() + "; libjvm.so left as it was");
            }
        } catch (IOException e) {
            log.println("no strip on PATH; libjvm.so left with its symbols");
        }
    }

    /** Toolchain reads {@code <java.home>/include/jni.h} and {@code linux/jni_md.h}; jlink drops them. */
    private static void copyJniHeaders(Path runtime) throws IOException {
        Path jdkInclude = Path.of(System.getProperty("java.home"), "include");
        Files.createDirectories(runtime.resolve("include/linux"));
        for (String h : List.of("jni.h", "linux/jni_md.h")) {
            if (!Files.isRegularFile(jdkInclude.resolve(h))) {
                throw new IllegalStateException("" + jdkInclude.resolve(h) + " is missing (run with a full JDK 17)");
            }
            Files.copy(jdkInclude.resolve(h), runtime.resolve("include").resolve(h));
        }
    }

    static String tool(String name, List<String> args) {
        ToolProvider tool = ToolProvider.findFirst(name).orElseThrow(() -> new IllegalStateException(
                "no " + name + " in " + System.getProperty("java.home") + " (run with a full JDK 17)"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = tool.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        if (rc != 0) {
            throw new IllegalStateException("" + name + " exited " + rc + ": " + (err + " " + out).trim());
        }
        return out.toString();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dest);
                } else {
                    Files.createDirectories(dest.getParent());
                    Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void writeLaunchers(Path out) throws IOException {
        writeScript(out.resolve("collapse"), resource("collapse.sh"));
        writeScript(out.resolve("run-tests"), resource("run-tests.sh"));
    }

    private static String resource(String name) throws IOException {
        try (var in = Bundle.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource io/collapse/bundle/" + name + " missing from the jar");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static void writeScript(Path p, String text) throws IOException {
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    static long size(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }
}
