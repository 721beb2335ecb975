package io.collapse.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeTrimTest {

    @TempDir Path tmp;

    /** The spellings of the jars the bundle trims: DJL's tokenizers and JNI, JNA, jline. */
    @Test
    void dropsOtherPlatformsNativeLibrariesOnly() {
        for (String keep : List.of("native/lib/linux-x86_64/cpu/libtokenizers.so", "jnilib/linux-x86_64/cu128/libdjl_torch.so",
                "com/sun/jna/linux-x86-64/libjnidispatch.so", "org/jline/nativ/Linux/x86_64/libjlinenative.so",
                "native/lib/tokenizers.properties", "com/sun/jna/win32/W32APIOptions.class", "jnilib/pytorch.properties")) {
            assertFalse(NativeTrim.drop(keep), keep);
        }
        for (String drop : List.of("native/lib/osx-aarch64/cpu/libtokenizers.dylib", "native/lib/win-x86_64/cpu/tokenizers.dll",
                "jnilib/linux-aarch64/cpu/libdjl_torch.so", "com/sun/jna/aix-ppc/libjnidispatch.a",
                "com/sun/jna/darwin-aarch64/libjnidispatch.jnilib", "org/jline/nativ/Linux/arm64/libjlinenative.so")) {
            assertTrue(NativeTrim.drop(drop), drop);
        }
    }

    @Test
    void copiesEverythingElseWithItsBytes() throws Exception {
        Path jar = tmp.resolve("in.jar");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(jar))) {
            for (String name : List.of("a/B.class", "jnilib/linux-x86_64/cpu/libdjl_torch.so", "jnilib/win-x86_64/cpu/djl_torch.dll")) {
                z.putNextEntry(new ZipEntry(name));
                z.write(name.getBytes());
                z.closeEntry();
            }
        }
        Path out = tmp.resolve("out.jar");
        assertEquals(1, NativeTrim.copy(jar, out));
        try (ZipFile z = new ZipFile(out.toFile())) {
            List<String> names = new ArrayList<>();
            z.stream().forEach(e -> names.add(e.getName()));
            assertEquals(List.of("a/B.class", "jnilib/linux-x86_64/cpu/libdjl_torch.so"), names);
            assertEquals("a/B.class", new String(z.getInputStream(z.getEntry("a/B.class")).readAllBytes()));
        }
    }
}
