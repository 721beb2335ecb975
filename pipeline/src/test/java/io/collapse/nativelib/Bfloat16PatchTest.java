package io.collapse.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DJL 0.36's dtype tables extended by bfloat16, in a staged copy of the sources (../shared's, as CI has them). */
class Bfloat16PatchTest {

    @TempDir Path work;

    private static final JniSources DJL = new JniSources(JniSources.defaultRoot(Path.of(System.getProperty("collapse.repo", "."))));

    @Test
    void bothTablesGainBfloat16AndNothingElseChanges() throws Exception {
        String header = Files.readString(DJL.root().resolve("native").resolve(Bfloat16Patch.HEADER));
        String patched = Bfloat16Patch.apply(header);
        assertTrue(patched.contains("  } else if (torch::kBFloat16 == type) {\n    return 11;\n  } else {\n"), patched);
        assertTrue(patched.contains("    case 11:\n      return torch::kBFloat16;\n"), patched);
        String back = patched.replace("  } else if (torch::kBFloat16 == type) {\n    return 11;\n", "")
                .replace("    case 11:\n      return torch::kBFloat16;\n", "");
        assertEquals(header, back);
        var e = assertThrows(IllegalArgumentException.class, () -> Bfloat16Patch.apply("int main() {}"));
        assertTrue(e.getMessage().contains("is not DJL v0.36.0's"), e.getMessage());
    }

    @Test
    void theBuildCompilesAStagedPatchedCopyAndLeavesTheSourcesAlone() throws Exception {
        Path header = DJL.root().resolve("native").resolve(Bfloat16Patch.HEADER);
        String before = Files.readString(header);
        List<Path> units = DJL.stagedUnits(work);
        assertEquals(15, units.size(), units.toString());
        assertTrue(units.stream().allMatch(u -> u.startsWith(work.resolve("native")) && u.toString().endsWith(".cc")));
        assertEquals(units.stream().sorted().toList(), units);
        assertEquals(Bfloat16Patch.apply(before), Files.readString(work.resolve("native").resolve(Bfloat16Patch.HEADER)));
        assertTrue(Files.isRegularFile(work.resolve("native/djl_pytorch_jni_exception.h")), "the other headers come along");
        assertEquals(before, Files.readString(header));
    }
}
