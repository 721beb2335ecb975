package io.collapse.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * The checksums files are published and cached with: sha256 (hex) and git's blob id. Lives in
 * config/ because every package may import it.
 */
public final class Checksums {

    private Checksums() {}

    public static String sha256(byte[] content) {
        return HexFormat.of().formatHex(newSha256().digest(content));
    }

    /** sha256 of a file, read in chunks so a multi-GB checkpoint needs no heap. */
    public static String sha256(Path file) throws IOException {
        MessageDigest sha = newSha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
        return hex(sha);
    }

    /**
     * CRC32C of a file as 8 hex digits: a damage check cheap enough for every checkpoint (the CPU
     * computes it in hardware, gigabytes a second), where sha256 would add seconds per checkpoint.
     */
    public static String crc32c(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            while (ch.read(buf) > 0) {
                crc.update(buf.flip());
                buf.clear();
            }
        }
        return String.format("%08x", crc.getValue());
    }

    /** {@code git hash-object}: sha1 of {@code "blob <length>\0"} followed by the content. */
    public static String gitBlob(byte[] content) {
        MessageDigest sha1 = digest("SHA-1");
        sha1.update(("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII));
        sha1.update(content);
        return hex(sha1);
    }

    /** A sha256 to feed piece by piece; {@link #hex} finishes it. */
    public static MessageDigest newSha256() {
        return digest("SHA-256");
    }

    /** Completes {@code digest} and returns it as lower-case hex. */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required by every Java runtime", e);
        }
    }
}
