package io.collapse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.nativelib.JniSources;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native side of {@link FusedAdamW}, staged for {@code collapse native build}, still names its Java side. */
class FusedAdamWTest {

    @TempDir Path work;

    @Test
    void theStagedUnitDefinesTheNativeMethodsUnderTheirJniNames() throws Exception {
        Path djl = JniSources.defaultRoot(Path.of(System.getProperty("collapse.repo", ".")));
        Path unit = new JniSources(djl).stagedOwnUnit(work);
        assertTrue(unit.startsWith(work.resolve("native")), "beside DJL's staged sources, whose headers it includes: " + unit);
        List<Method> natives = Arrays.stream(FusedAdamW.class.getDeclaredMethods())
                .filter(m -> Modifier.isNative(m.getModifiers())).toList();
        assertEquals(3, natives.size(), natives.toString()); // step, clipGradNorm, zeroGrads
        for (Method m : natives) {
            // JNI's short name (no overloads among natives): Java_, the class's binary name with '_' for '.', '_', the method.
            String symbol = "Java_" + FusedAdamW.class.getName().replace('.', '_') + "_" + m.getName() + "(";
            assertTrue(Files.readString(unit).contains(symbol), "the unit defines " + symbol);
        }
    }

    @Test
    void theCpuKernelComesWithTorch24() {
        for (String v : List.of("2.0.1", "2.3.1", "2.3.0+cpu", "2", "", "nightly")) {
            assertFalse(FusedAdamW.hasCpuKernel(v), v);
        }
        for (String v : List.of("2.4.0", "2.7.1", "2.11.0+cu130", "2.13.0", "2.5.0.dev20240601", "3.0.0")) {
            assertTrue(FusedAdamW.hasCpuKernel(v), v);
        }
    }
}
