package io.collapse.data;

import io.collapse.text.TextEncoder;
import java.nio.charset.StandardCharsets;

/** Test encoder: {@code </s>} (2), then one id per UTF-8 byte, {@code offset + byte}. */
final class ByteEncoder implements TextEncoder {

    private final int offset;

    ByteEncoder(int offset) {
        this.offset = offset;
    }

    ByteEncoder() {
        this(3);
    }

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length + 1];
        ids[0] = 2;
        for (int i = 0; i < bytes.length; i++) {
            ids[i + 1] = offset + Byte.toUnsignedInt(bytes[i]);
        }
        return ids;
    }

    @Override
    public String fingerprint() {
        return "test-bytes+" + offset;
    }
}
