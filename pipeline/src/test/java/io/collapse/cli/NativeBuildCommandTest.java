package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The refusals of {@code native build}, each one line, all before any compiler runs (no libtorch needed). */
class NativeBuildCommandTest {

    @TempDir Path tmp;

    private static final Path DJL_SRC = Path.of(System.getProperty("collapse.repo", "../"))
            .resolve("../shared/third_party/djl-0.36.0-pytorch-jni").normalize();

    private Cli.Result build(Path torch, String... more) {
        String[] args = new String[4 + more.length];
        System.arraycopy(new String[] {"native", "build", "--torch", torch.toString()}, 0, args, 0, 4);
        System.arraycopy(more, 0, args, 4, more.length);
        return Cli.run(args);
    }

    private static void assertOneLineError(String expected, Cli.Result r) {
        assertEquals(1, r.code(), r.out());
        assertEquals("error: " + expected + System.lineSeparator(), r.err());
    }

    @Test
    void aFolderThatIsNotALibtorch() throws IOException {
        Path site = Files.createDirectories(tmp.resolve("site-packages"));
        assertOneLineError(site + " is not a libtorch: no lib/libtorch.so (expected a pip PyTorch's torch/ folder or an"
                + " unpacked libtorch, with include/ and lib/)", build(site));
    }

    @Test
    void noCompiler() throws IOException {
        Path torch = fakeTorch("2.13.0+cpu");
        assertOneLineError("no C++ compiler: /nonexistent/g++ is not an executable file",
                build(torch, "--djl-src", DJL_SRC.toString(), "--cxx", "/nonexistent/g++"));
    }

    @Test
    void djlSourcesMissing() throws IOException {
        Path torch = fakeTorch("2.13.0+cpu");
        assertOneLineError("--djl-src " + tmp + " lacks native/djl_pytorch_utils.h (expected DJL v0.36.0's pytorch JNI"
                + " sources: native/, djl/utils.h, java/)", build(torch, "--djl-src", tmp.toString()));
    }

    @Test
    void tooOld() throws IOException {
        Path torch = fakeTorch("1.12.1+cu116");
        assertOneLineError(torch + ": torch 1.12.1+cu116 is too old for DJL 0.36's JNI (needs 2.0 or newer)", build(torch));
    }

    private Path fakeTorch(String version) throws IOException {
        Path dir = tmp.resolve("torch");
        for (String f : new String[] {"include/torch/script.h", "include/torch/csrc/api/include/torch/torch.h",
            "include/torch/csrc/api/include/torch/enum.h", "lib/libtorch.so", "lib/libtorch_cpu.so", "lib/libc10.so"}) {
            Files.createDirectories(dir.resolve(f).getParent());
            Files.write(dir.resolve(f), new byte[0]);
        }
        Files.writeString(dir.resolve("version.py"), "__version__ = '" + version + "'\ncuda = None\n");
        return dir;
    }
}
