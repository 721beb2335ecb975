package io.collapse.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibtorchTest {

    @TempDir Path tmp;

    @Test
    void readsAPipTorchFolder() throws Exception {
        Path dir = FakeTorch.pip(tmp.resolve("torch"), "2.13.0+cpu", null);
        // No TorchConfig.cmake flag (as in 2.13): the ABI comes from libc10.so's names.
        Files.writeString(dir.resolve("lib/libc10.so"), "\0_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE4findEPKcm\0");
        Libtorch t = Libtorch.inspect(dir);
        assertEquals("2.13.0", t.baseVersion());
        assertEquals("cpu", t.flavor());
        assertFalse(t.cuda());
        assertTrue(t.cxx11Abi());
    }

    @Test
    void aCudaBuildGetsACuFlavorAndTheAbiTorchConfigNames() throws Exception {
        Path dir = FakeTorch.pip(tmp.resolve("torch"), "2.11.0", "13.0");
        FakeTorch.touch(dir.resolve("lib/libtorch_cuda.so"));
        Files.createDirectories(dir.resolve("share/cmake/Torch"));
        Files.writeString(dir.resolve("share/cmake/Torch/TorchConfig.cmake"), "set(TORCH_CXX_FLAGS \"-D_GLIBCXX_USE_CXX11_ABI=0\")\n");
        Libtorch t = Libtorch.inspect(dir);
        assertTrue(t.cuda());
        assertEquals("cu130", t.flavor()); // DJL loads the CUDA libraries only for a flavour containing "cu"
        assertFalse(t.cxx11Abi());
    }

    @Test
    void readsAnUnpackedLibtorchZip() throws Exception {
        Path dir = FakeTorch.pip(tmp.resolve("libtorch"), "x", null);
        Files.delete(dir.resolve("version.py"));
        Files.writeString(dir.resolve("build-version"), "2.7.1+cu128\n");
        FakeTorch.touch(dir.resolve("lib/libc10_cuda.so"));
        Libtorch t = Libtorch.inspect(dir);
        assertEquals("2.7.1", t.baseVersion());
        assertEquals("cu128", t.flavor());
    }

    @Test
    void aFolderThatIsNotALibtorchIsNamed() throws Exception {
        Files.createDirectories(tmp.resolve("site-packages"));
        var e = assertThrows(IllegalArgumentException.class, () -> Libtorch.inspect(tmp.resolve("site-packages")));
        assertTrue(e.getMessage().contains("is not a libtorch: no lib/libtorch.so"), e.getMessage());
        var missing = assertThrows(IllegalArgumentException.class, () -> Libtorch.inspect(tmp.resolve("nope")));
        assertTrue(missing.getMessage().contains("is not a directory"), missing.getMessage());
    }

    @Test
    void missingLibrariesAndHeadersAreListed() throws Exception {
        Path dir = FakeTorch.pip(tmp.resolve("torch"), "2.13.0+cpu", null);
        Files.delete(dir.resolve("lib/libc10.so"));
        var lib = assertThrows(IllegalArgumentException.class, () -> Libtorch.inspect(dir));
        assertTrue(lib.getMessage().endsWith("/lib lacks libc10.so"), lib.getMessage());
        FakeTorch.touch(dir.resolve("lib/libc10.so"));
        Files.delete(dir.resolve("include/torch/csrc/api/include/torch/torch.h"));
        var inc = assertThrows(IllegalArgumentException.class, () -> Libtorch.inspect(dir));
        assertTrue(inc.getMessage().contains("/include lacks torch/csrc/api/include/torch/torch.h"), inc.getMessage());
    }

    @Test
    void aVersionDjlCannotUseIsRefused() throws Exception {
        Path dir = FakeTorch.pip(tmp.resolve("torch"), "1.13.1+cpu", null);
        var e = assertThrows(IllegalArgumentException.class, () -> Libtorch.inspect(dir));
        assertTrue(e.getMessage().contains("torch 1.13.1+cpu is too old for DJL 0.36's JNI (needs 2.0 or newer)"),
                e.getMessage());
        Files.writeString(dir.resolve("version.py"), "__version__ = 'main'\n");
        assertThrows(IllegalArgumentException.class, () -> Libtorch.inspect(dir));
    }
}
