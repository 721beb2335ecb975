package io.collapse.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import io.collapse.nativelib.JniSources.OwnUnit;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JniRecordTest {

    @TempDir Path tmp;

    @Test
    void aRecordVouchesOnlyForTheBytesItWasWrittenFor() throws Exception {
        Libtorch torch = new Libtorch(tmp.resolve("torch"), "2.13.0+cpu", Optional.empty(), false, true);
        Path jni = Files.writeString(tmp.resolve("0.36.0-libdjl_torch.so"), "built");
        JniRecord.write(jni, torch, "CUDA parts: none (CPU libtorch)", Set.copyOf(OwnUnit.ALL));
        assertTrue(JniRecord.readRecord(jni).orElseThrow().path("fused_adamw").asBoolean());
        assertTrue(JniRecord.readRecord(jni).orElseThrow().path("sdpa").asBoolean());
        assertTrue(JniRecord.origin(jni, "linux-x86_64", "cpu").startsWith("self-built by collapse native build against torch"
                + " 2.13.0+cpu (" + tmp.resolve("torch")), JniRecord.origin(jni, "linux-x86_64", "cpu"));
        JniRecord.refuseForeign(jni); // ours: a rebuild may replace it
        Files.writeString(jni, "replaced by someone else");
        assertTrue(JniRecord.origin(jni, "linux-x86_64", "cpu").startsWith("unknown"));
        var e = assertThrows(IllegalStateException.class, () -> JniRecord.refuseForeign(jni));
        assertTrue(e.getMessage().contains("was not built by collapse"), e.getMessage());
    }

    @Test
    void theRecordSaysWhichOfCollapsesOwnUnitsCompiled() throws Exception {
        Path jni = Files.writeString(tmp.resolve("0.36.0-libdjl_torch.so"), "built");
        Libtorch torch = new Libtorch(tmp, "2.0.1", Optional.empty(), false, true);
        JniRecord.write(jni, torch, "none", Set.of(OwnUnit.FUSED_ADAMW)); // collapse_sdpa.cc needs torch 2.1
        assertTrue(JniRecord.readRecord(jni).orElseThrow().path("fused_adamw").asBoolean());
        assertFalse(JniRecord.readRecord(jni).orElseThrow().path("sdpa").asBoolean());
        JniRecord.write(jni, torch, "none", Set.of());
        assertFalse(JniRecord.readRecord(jni).orElseThrow().path("fused_adamw").asBoolean());
    }

    /**
     * With PYTORCH_LIBRARY_PATH set, DJL loads the JNI `native build` made (it never falls back to its
     * prebuilt one), which maps bfloat16 and has collapse's fused AdamW and SDPA; without, DJL's prebuilt, which
     * has neither. A detection that broke would silently turn the bf16 tests into refusal checks, and
     * collapse's own unit, left out of a build where it does not compile, would quietly put AdamW back
     * on the per-tensor form: this fails instead.
     */
    @Test
    void bfloat16TheFusedAdamwAndSdpaComeExactlyWithTheSelfBuiltJni() {
        boolean selfBuilt = System.getenv("PYTORCH_LIBRARY_PATH") != null;
        assertEquals(selfBuilt, JniRecord.bfloat16(), selfBuilt
                ? "PYTORCH_LIBRARY_PATH is set but the loaded JNI does not map bfloat16: rebuild it with collapse native build"
                : "DJL's prebuilt JNI cannot map bfloat16");
        assertEquals(selfBuilt, JniRecord.fusedAdamW(), selfBuilt
                ? "the loaded self-built JNI lacks collapse_fused_adamw.cc: see `collapse native build`'s 'left out' line"
                : "DJL's prebuilt JNI has no fused AdamW");
        boolean torch21 = selfBuilt && !System.getenv("PYTORCH_VERSION").startsWith("2.0."); // collapse_sdpa.cc's floor
        assertEquals(torch21, JniRecord.sdpa(), selfBuilt
                ? "the loaded self-built JNI lacks collapse_sdpa.cc: see `collapse native build`'s 'left out' line"
                : "DJL's prebuilt JNI has no SDPA");
    }

    @Test
    void exportsNameTheTorchLibDirVersionAndFlavor() {
        Libtorch torch = new Libtorch(Path.of("/v/torch"), "2.11.0", Optional.of("13.0"), true, true);
        assertEquals("export PYTORCH_LIBRARY_PATH=/v/torch/lib PYTORCH_VERSION=2.11.0 PYTORCH_FLAVOR=cu130",
                JniBuild.exports(torch, null));
        assertEquals("export PYTORCH_LIBRARY_PATH=/v/torch/lib PYTORCH_VERSION=2.11.0 PYTORCH_FLAVOR=cu130 ENGINE_CACHE_DIR=/c",
                JniBuild.exports(torch, Path.of("/c")));
    }
}
