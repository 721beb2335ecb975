package io.collapse.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.config.Checksums;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a synthetic corpus directory ({@code gen-NN/corpus/}: manifest.json + shards of
 * little-endian token ids, one block after another; format: README, "Run directories") into blocks. The report
 * only reads, so this stays a small reader of the documented format rather than a dependency on
 * the writer's package (which sits to the right of nothing report needs).
 */
final class CorpusFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CorpusFiles() {}

    /** All blocks of a complete corpus; an incomplete or damaged one throws, naming the file and what was wrong. */
    static int[][] read(Path corpusDir) throws IOException {
        Path manifestFile = corpusDir.resolve("manifest.json");
        JsonNode manifest = JSON.readTree(manifestFile.toFile());
        int blockSize = manifest.path("block_size").asInt(-1);
        long blocks = manifest.path("blocks").asLong(-1);
        String dtype = manifest.path("dtype").asText("");
        int width =
                switch (dtype) {
                    case "uint16" -> 2;
                    case "int32" -> 4;
                    default -> throw new IOException(
                            manifestFile + ": dtype must be \"uint16\" or \"int32\", got \"" + dtype + "\"");
                };
        if (blockSize <= 0 || blocks < 0 || !manifest.path("shards").isArray()) {
            throw new IOException(manifestFile + ": expected block_size > 0, blocks >= 0 and a shards array, got block_size="
                    + blockSize + " blocks=" + blocks);
        }
        long listed = 0;
        for (JsonNode shard : manifest.get("shards")) {
            listed += shard.path("blocks").asLong();
        }
        if (listed != blocks) {
            throw new IOException(manifestFile + ": incomplete, shards hold " + listed + " of " + blocks + " blocks");
        }
        int[][] out = new int[Math.toIntExact(blocks)][];
        int next = 0;
        for (JsonNode shard : manifest.get("shards")) {
            Path file = corpusDir.resolve(shard.path("file").asText());
            int n = shard.path("blocks").asInt();
            byte[] bytes = Files.readAllBytes(file);
            long expected = (long) n * blockSize * width;
            if (bytes.length != expected) {
                throw new IOException(file + ": expected " + expected + " bytes (" + n + " blocks of " + blockSize
                        + " " + dtype + "), found " + bytes.length);
            }
            String sha = shard.path("sha256").asText("");
            if (!sha.isEmpty() && !sha.equalsIgnoreCase(Checksums.sha256(bytes))) {
                throw new IOException(file + ": sha256 does not match the manifest's " + sha);
            }
            ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int b = 0; b < n; b++) {
                int[] block = new int[blockSize];
                for (int t = 0; t < blockSize; t++) {
                    block[t] = width == 2 ? Short.toUnsignedInt(buf.getShort()) : buf.getInt();
                }
                out[next++] = block;
            }
        }
        return out;
    }

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
