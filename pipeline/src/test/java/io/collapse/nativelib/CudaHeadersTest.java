package io.collapse.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CUDA parts are built only when the toolkit headers torch's CUDA headers include can be found. */
class CudaHeadersTest {

    @TempDir Path tmp;

    @Test
    void namesTheMissingToolkitHeaderThenFindsItInPipsNvidiaFolder() throws Exception {
        Toolchain tools;
        try {
            tools = new Toolchain(Toolchain.compiler("g++", System.getenv("PATH")), List.of());
        } catch (IllegalStateException e) {
            Assumptions.abort("needs g++ on PATH: " + e.getMessage());
            return;
        }
        Path torch = FakeTorch.pip(tmp.resolve("site-packages/torch"), "2.11.0", "13.0");
        for (String h : new String[] {"c10/cuda/CUDAGuard.h", "c10/cuda/CUDAStream.h", "c10/cuda/CUDACachingAllocator.h"}) {
            FakeTorch.touch(torch.resolve("include").resolve(h));
        }
        Files.createDirectories(torch.resolve("include/ATen/cuda"));
        Files.writeString(torch.resolve("include/ATen/cuda/CUDAContext.h"), "#include <cuda_runtime_api.h>\n");
        Libtorch lt = new Libtorch(torch, "2.11.0", Optional.of("13.0"), true, true);
        Path work = Files.createDirectories(tmp.resolve("work"));

        CudaHeaders none = CudaHeaders.probe(tools, lt, work, List.of());
        assertEquals(Optional.of("cuda_runtime_api.h"), none.missing());

        Path nvidia = tmp.resolve("site-packages/nvidia/cu13/include");
        FakeTorch.touch(nvidia.resolve("cuda_runtime_api.h"));
        CudaHeaders found = CudaHeaders.probe(tools, lt, work, List.of());
        assertTrue(found.usable(), found.toString());
        assertTrue(found.includeDirs().contains(nvidia), found.toString());
        // With a CUDA toolkit's folder (this machine's /usr/local/cuda, say) it is found there too.
        Path toolkit = tmp.resolve("cuda/include");
        FakeTorch.touch(toolkit.resolve("cuda_runtime_api.h"));
        Files.delete(nvidia.resolve("cuda_runtime_api.h"));
        assertTrue(CudaHeaders.probe(tools, lt, work, List.of(toolkit)).usable());
    }
}
