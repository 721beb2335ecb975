package io.collapse.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.collapse.config.RunConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PhaseFailureTest {

    @Test
    void libtorchFailingToAllocateIsOutOfMemoryWrappedOrNot() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            // 2^48 bytes: more than x86-64's user address space, so no overcommit setting can grant it.
            EngineException e = assertThrows(EngineException.class, () -> manager.zeros(new Shape(1L << 46)));
            assertTrue(PhaseFailure.outOfMemory(e), e.getMessage());
            assertTrue(PhaseFailure.outOfMemory(new IOException("reading shard 3", e)));
        }
        assertTrue(PhaseFailure.outOfMemory(new EngineException("CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.19 GiB")));
        assertFalse(PhaseFailure.outOfMemory(new IllegalArgumentException("train.epochs must be >= 1, got 0")));
        assertFalse(PhaseFailure.outOfMemory(new IOException((String) null)));
    }

    @Test
    void theAdviceNamesThePhasesSettingASmallerValidValueAndTheCommand() throws IOException {
        RunConfig smoke = RunConfig.load("smoke", List.of()); // train.batch_size 8, micro_batch 4; corpus_batch 32, shard_blocks 256
        Path run = Path.of("/runs/smoke-seed0");
        EngineException oom = new EngineException("CUDA out of memory. Tried to allocate 2.00 GiB.\nException raised from malloc");

        assertEquals("generation 2 train ran out of memory (CUDA out of memory. Tried to allocate 2.00 GiB.); what is finished"
                + " is kept: continue with `collapse resume /runs/smoke-seed0 --set train.micro_batch=2` (now 4; it must divide"
                + " train.batch_size 8)", PhaseFailure.memoryAdvice(smoke, run, 2, RunState.Phase.TRAIN, oom));
        assertTrue(PhaseFailure.memoryAdvice(smoke, run, 0, RunState.Phase.SCORE, oom).contains("--set train.micro_batch=2`"));
        assertTrue(PhaseFailure.memoryAdvice(smoke, run, 1, RunState.Phase.CORPUS, oom).endsWith(
                "--set experiment.corpus_batch=16` (now 32; it must divide experiment.corpus_shard_blocks 256)"));

        RunConfig single = RunConfig.load("smoke", List.of("train.micro_batch=1"));
        assertTrue(PhaseFailure.memoryAdvice(single, run, 0, RunState.Phase.EVAL, oom).endsWith(
                "train.micro_batch is already 1: use a smaller model or a larger device"));
        assertTrue(PhaseFailure.memoryAdvice(smoke, Path.of("/runs/my run"), 1, RunState.Phase.CORPUS, oom).contains(
                "`collapse resume '/runs/my run' --set"), "a path with a space is one shell word");
        assertTrue(PhaseFailure.outOfMemory(new EngineException("CUBLAS_STATUS_ALLOC_FAILED when calling cublasCreate(handle)")));
    }

    @Test
    void theJavaHeapAdviceDoublesTheHeapAndOtherJvmMemoryIsNamed() {
        assertEquals("generation 1 score ran out of Java heap (at most 8 GiB); what is finished is kept: add -Xmx16g to"
                + " COLLAPSE_JAVA_OPTS (which replaces the launcher's default -Xmx8g: keep your other options in it) and"
                + " continue with `collapse resume /runs/r` (libtorch's memory is outside the heap)",
                PhaseFailure.jvmAdvice(Path.of("/runs/r"), 1, RunState.Phase.SCORE, new OutOfMemoryError("Java heap space"), 8L << 30));
        assertEquals("generation 0 train ran out of JVM memory (Metaspace); what is finished is kept: continue with"
                + " `collapse resume /runs/r`",
                PhaseFailure.jvmAdvice(Path.of("/runs/r"), 0, RunState.Phase.TRAIN, new OutOfMemoryError("Metaspace"), 8L << 30));
    }

    @Test
    void theSmallerValueDividesTheWholeAndIsAtMostHalf() {
        assertEquals(16, PhaseFailure.atMostHalf(128, 32));
        assertEquals(6, PhaseFailure.atMostHalf(12, 12));
        assertEquals(4, PhaseFailure.atMostHalf(12, 10));
        assertEquals(3, PhaseFailure.atMostHalf(9, 9));
        assertEquals(1, PhaseFailure.atMostHalf(7, 7));
        assertEquals(1, PhaseFailure.atMostHalf(8, 2));
        assertEquals(0, PhaseFailure.atMostHalf(8, 1));
    }
}
