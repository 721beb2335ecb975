package io.collapse.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.nativelib.JniSources.OwnUnit;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each of collapse's own units, staged for {@code collapse native build}, still names its Java side's native methods. */
class OwnUnitsTest {

    /** The class whose native methods each unit defines. */
    private static final Map<OwnUnit, String> JAVA_SIDE = Map.of(
            OwnUnit.FUSED_ADAMW, "io.collapse.train.FusedAdamW",
            OwnUnit.SDPA, "io.collapse.model.Sdpa");

    @TempDir Path work;

    static List<OwnUnit> units() {
        return OwnUnit.ALL;
    }

    @ParameterizedTest
    @MethodSource("units")
    void theStagedUnitDefinesTheNativeMethodsUnderTheirJniNames(OwnUnit u) throws Exception {
        Path unit = JniSources.staged(u, work);
        assertTrue(unit.startsWith(work.resolve("native")), "beside DJL's staged sources, whose headers it includes: " + unit);
        String source = Files.readString(unit);
        Class<?> javaSide = Class.forName(JAVA_SIDE.get(u));
        List<Method> natives = Arrays.stream(javaSide.getDeclaredMethods()).filter(m -> Modifier.isNative(m.getModifiers())).toList();
        assertFalse(natives.isEmpty(), javaSide + " has native methods");
        for (Method m : natives) {
            // JNI's short name (no overloads among natives): Java_, the class's binary name with '_' for '.', '_', the method.
            String symbol = "Java_" + javaSide.getName().replace('.', '_') + "_" + m.getName() + "(";
            assertTrue(source.contains(symbol), u.file() + " defines " + symbol);
        }
        assertEquals(u == OwnUnit.FUSED_ADAMW ? 3 : 1, natives.size(), natives.toString()); // step, clipGradNorm, zeroGrads; attend
    }
}
