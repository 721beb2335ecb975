package io.collapse.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToolchainTest {

    @TempDir Path tmp;

    @Test
    void noCompilerOnPathIsOneClearLine() {
        var e = assertThrows(IllegalStateException.class, () -> Toolchain.compiler("g++", tmp.toString()));
        assertEquals("no C++ compiler: g++ is not on PATH (install g++, e.g. apt-get install g++, or name one with --cxx)",
                e.getMessage());
        var path = assertThrows(IllegalStateException.class, () -> Toolchain.compiler(tmp + "/clang++", ""));
        assertTrue(path.getMessage().endsWith("clang++ is not an executable file"), path.getMessage());
    }

    @Test
    void findsTheCompilerOnPath() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path gxx = Files.createFile(bin.resolve("g++"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        assertEquals(gxx, Toolchain.compiler("g++", tmp.resolve("empty") + ":" + bin));
    }

    @Test
    void aRuntimeWithoutJniHeadersIsNamed() {
        var e = assertThrows(IllegalStateException.class, () -> Toolchain.jniIncludes(tmp));
        assertTrue(e.getMessage().startsWith("no JNI headers: " + tmp.resolve("include") + "/jni.h"), e.getMessage());
        // The JDK running the tests has them.
        assertEquals(2, Toolchain.jniIncludes(Path.of(System.getProperty("java.home"))).size());
    }
}
