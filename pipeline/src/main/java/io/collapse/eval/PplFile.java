package io.collapse.eval;

import io.collapse.io.AtomicFiles;
import io.collapse.io.RegularFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Per-sequence perplexity files ({@code corpus-ppl.f32}, {@code real-ppl.f32}, {@code eval
 * --per-sequence}): float32, little-endian, one value per sequence, nothing else. The one writer and
 * the one reader of the format.
 */
public final class PplFile {

    /** 2^28 values, far above any corpus (the paper's has 38,424 blocks); a larger file is not one of these. */
    static final long MAX_BYTES = 1L << 30;

    private PplFile() {}

    /**
     * Writes {@code ppl} as float32 LE, atomically. A perplexity past float32's range (a mean token
     * NLL above 88.7) is stored as its largest value, so that {@link #read} takes back every file
     * written here; the histograms count it in their last bin either way.
     */
    public static void write(Path file, double[] ppl) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(4 * ppl.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double p : ppl) {
            buf.putFloat((float) Math.min(p, Float.MAX_VALUE)); // NaN stays NaN: read refuses it, as a broken score
        }
        AtomicFiles.writeBytes(file, buf.array());
    }

    /** The values of a file {@link #write} made; a length not a multiple of 4, or a value not a perplexity, throws. */
    public static float[] read(Path file) throws IOException {
        String instead = RegularFiles.instead(file);
        if (instead != null) { // a FIFO would block the read for ever
            throw new IOException(file + ": " + instead + "; expected a file of float32 perplexities");
        }
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new IOException(file + ": " + size + " bytes; a perplexity file holds at most " + MAX_BYTES / 4
                    + " values (one per corpus block)");
        }
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
