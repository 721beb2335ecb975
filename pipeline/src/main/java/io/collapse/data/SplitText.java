package io.collapse.data;

import io.collapse.io.Checksums;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * One split's examples and where they came from.
 *
 * @param split        {@code train}, {@code valid} or {@code test}
 * @param source       the file it was read from, for messages and reports
 * @param sourceSha256 sha256 of the (decompressed) source file as a whole
 * @param examples     the examples in file order
 */
public record SplitText(String split, String source, String sourceSha256, List<String> examples) {

    public SplitText {
        examples = List.copyOf(examples);
    }

    /**
     * sha256 over the examples themselves (each as its UTF-8 length, int64 little-endian, then its
     * bytes): what the tokens depend on, so it keys the block cache even for held-out parts of a file.
     */
    public String examplesSha256() {
        MessageDigest sha = Checksums.newSha256();
        ByteBuffer len = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (String example : examples) {
            byte[] bytes = example.getBytes(StandardCharsets.UTF_8);
            sha.update(len.clear().putLong(bytes.length).flip());
            sha.update(bytes);
        }
        return Checksums.hex(sha);
    }
}
