package io.collapse.nativelib;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The tools a JNI build needs: a C++ compiler and the JDK's JNI headers.
 *
 * @param cxx the compiler (g++; clang++ takes the same flags)
 * @param jniIncludes {@code <java.home>/include} and its {@code linux/} folder ({@code jni.h},
 *     {@code jni_md.h})
 */
public record Toolchain(Path cxx, List<Path> jniIncludes) {

    /** The compiler named by {@code cxx} (a path, or a name looked up on {@code pathEnv}) and the running JDK's headers. */
    public static Toolchain find(String cxx, String pathEnv, Path javaHome) {
        return new Toolchain(compiler(cxx, pathEnv), jniIncludes(javaHome));
    }

    static Path compiler(String cxx, String pathEnv) {
        if (cxx.contains("/")) {
            Path p = Path.of(cxx);
            if (Files.isExecutable(p)) {
                return p;
            }
            throw new IllegalStateException("no C++ compiler: " + cxx + " is not an executable file");
        }
        for (String dir : (pathEnv == null ? "" : pathEnv).split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, cxx);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IllegalStateException("no C++ compiler: " + cxx + " is not on PATH (install g++, e.g. apt-get install"
                + " g++, or name one with --cxx)");
    }

    static List<Path> jniIncludes(Path javaHome) {
        Path include = javaHome.resolve("include");
        if (!Files.isRegularFile(include.resolve("jni.h")) || !Files.isRegularFile(include.resolve("linux/jni_md.h"))) {
            throw new IllegalStateException("no JNI headers: " + include + "/jni.h or linux/jni_md.h is missing (run"
                    + " with a full JDK 17, not a JRE or a jlink'ed runtime)");
        }
        return List.of(include, include.resolve("linux"));
    }
}
