package io.collapse.report;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Per-sequence perplexity files ({@code corpus-ppl.f32}, {@code real-ppl.f32}): float32, little-endian. */
final class PplFiles {

    private PplFiles() {}

    /** A float32 little-endian file (per-sequence perplexities); a length not a multiple of 4 throws. */
    static float[] readF32(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length % 4 != 0) {
            throw new IOException(file + ": " + bytes.length + " bytes is not a whole number of float32 values (half-written?)");
        }
        float[] out = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        for (int i = 0; i < out.length; i++) {
            if (!(out[i] > 0f) || Float.isInfinite(out[i])) {
                throw new IOException(file + ": value " + i + " is " + out[i] + ", a perplexity must be finite and > 0");
            }
        }
        return out;
    }
}
