package io.collapse.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Copies a jar without the native libraries of platforms other than linux-x86_64. Only native
 * library files are dropped, never classes or properties: each library (DJL's tokenizers and JNI,
 * JNA, jline) picks its own platform's folder at run time, so the others are dead weight here.
 */
public final class NativeTrim {

    /** How the kept platform's folder is spelled by DJL, JNA and jline. */
    static final List<String> KEEP = List.of("/linux-x86_64/", "/linux-x86-64/", "/Linux/x86_64/");

    private static final List<String> NATIVE = List.of(".so", ".dll", ".dylib", ".jnilib", ".a");

    private NativeTrim() {}

    /** Whether {@code entry} is another platform's native library. */
    static boolean drop(String entry) {
        String lower = entry.toLowerCase(Locale.ROOT);
        boolean nativeLib = NATIVE.stream().anyMatch(lower::endsWith);
        return nativeLib && KEEP.stream().noneMatch(entry::contains);
    }

    /**
     * Copies {@code from} to {@code to} with every entry stored, not deflated: the bundle's xz packs
     * plain class files and libraries a third smaller than their deflated form. Returns the number
     * of entries dropped.
     */
    public static int copy(Path from, Path to) throws IOException {
        int dropped = 0;
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(from));
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(to))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (drop(e.getName())) {
                    dropped++;
                    continue;
                }
                byte[] bytes = in.readAllBytes();
                out.putNextEntry(stored(e, bytes));
                out.write(bytes);
                out.closeEntry();
            }
        }
        return dropped;
    }

    private static ZipEntry stored(ZipEntry e, byte[] bytes) {
        ZipEntry copy = new ZipEntry(e.getName());
        copy.setTime(e.getTime());
        CRC32 crc = new CRC32();
        crc.update(bytes);
        copy.setMethod(ZipEntry.STORED);
        copy.setSize(bytes.length);
        copy.setCompressedSize(bytes.length);
        copy.setCrc(crc.getValue());
        return copy;
    }
}
