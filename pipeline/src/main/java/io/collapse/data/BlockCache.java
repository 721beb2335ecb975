package io.collapse.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.io.AtomicFiles;
import io.collapse.io.Checksums;
import io.collapse.io.RegularFiles;
import io.collapse.text.TextEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tokenized blocks cached on disk and memory-mapped on the next load.
 *
 * <p>A cache file is keyed by (format version, encoder fingerprint, sha256 of the examples, block
 * size) and named {@code <first 32 hex of sha256(key)>.blocks}, so a changed input or tokenizer
 * simply misses. Layout: the 8 bytes {@code CLPSBLKS}, a little-endian uint32 header length, the
 * header (UTF-8 JSON: the key, counts, {@code width} and {@code data_sha256}), zero padding to a
 * multiple of 8, then the ids in {@link BlockCodec}'s form, uint16 when every id fits (OPT's 50272 do) else int32.
 * A file that fails any check (truncated, bad header, data checksum) is rebuilt with a warning.
 */
public final class BlockCache {

    public static final int FORMAT = 1;
    private static final byte[] MAGIC = "CLPSBLKS".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_HEADER = 1 << 20;
    private static final Logger LOG = LoggerFactory.getLogger(BlockCache.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    public BlockCache(Path dir) {
        this.dir = dir;
    }

    /** The blocks of {@code split}: mapped from the cache when a valid file exists, else tokenized and cached. */
    public TokenBlocks load(SplitText split, TextEncoder encoder, int blockSize) throws IOException {
        return load(split, encoder, key(split, encoder, blockSize));
    }

    /** {@link #load} and {@link #file} together, the examples hashed once for both. */
    DataSource.LoadedSplit loadSplit(SplitText split, TextEncoder encoder, int blockSize) throws IOException {
        Key key = key(split, encoder, blockSize);
        return new DataSource.LoadedSplit(split, load(split, encoder, key), file(key));
    }

    private TokenBlocks load(SplitText split, TextEncoder encoder, Key key) throws IOException {
        Path file = file(key);
        String instead = RegularFiles.instead(file);
        if (instead != null) { // never opened: a FIFO would block the read; the rebuilt file replaces it
            LOG.warn("block cache file {} is {}; rebuilding it", file, instead);
        } else if (Files.exists(file)) {
            try {
                return read(file, key);
            } catch (CorruptCacheException e) {
                LOG.warn("block cache file {} is unusable ({}); rebuilding it", file, e.getMessage());
            }
        }
        TokenBlocks blocks = TokenBlocks.tokenize(split.examples(), encoder, key.blockSize());
        write(file, key, split.source(), blocks);
        return blocks;
    }

    /** The file that holds (or would hold) {@code split}'s blocks. */
    public Path file(SplitText split, TextEncoder encoder, int blockSize) {
        return file(key(split, encoder, blockSize));
    }

    private static Key key(SplitText split, TextEncoder encoder, int blockSize) {
        return new Key(encoder.fingerprint(), split.examplesSha256(), blockSize);
    }

    private Path file(Key key) {
        return dir.resolve(key.hash().substring(0, 32) + ".blocks");
    }

    /** What the blocks depend on; any change makes a new file. */
    private record Key(String encoder, String examplesSha256, int blockSize) {
        String hash() {
            String canonical = "collapse-blocks\nformat=" + FORMAT + "\nencoder=" + encoder
                    + "\nexamples_sha256=" + examplesSha256 + "\nblock_size=" + blockSize + "\n";
            return Checksums.sha256(canonical.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void write(Path file, Key key, String source, TokenBlocks blocks) throws IOException {
        BlockCodec.Width width = BlockCodec.fitsUint16(blocks) ? BlockCodec.Width.UINT16 : BlockCodec.Width.INT32;
        byte[] data = BlockCodec.encode(blocks, width);

        ObjectNode header = JSON.createObjectNode();
        header.put("format", FORMAT);
        header.put("encoder", key.encoder());
        header.put("examples_sha256", key.examplesSha256());
        header.put("block_size", key.blockSize());
        header.put("source", source);
        header.put("examples", blocks.examples());
        header.put("tokens", blocks.tokens());
        header.put("blocks", blocks.numBlocks());
        header.put("width", width.bytes);
        header.put("data_sha256", Checksums.sha256(data));
        byte[] headerBytes = JSON.writeValueAsBytes(header);
        int prefixLen = align8(MAGIC.length + 4 + headerBytes.length);
        ByteBuffer prefix = ByteBuffer.allocate(prefixLen).order(ByteOrder.LITTLE_ENDIAN);
        prefix.put(MAGIC).putInt(headerBytes.length).put(headerBytes); // the rest stays zero: padding
        AtomicFiles.write(file, out -> {
            out.write(prefix.array());
            out.write(data);
        });
    }

    private static TokenBlocks read(Path file, Key key) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < MAGIC.length + 4) {
                throw new CorruptCacheException("file of " + size + " bytes is shorter than its preamble");
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            map.order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[MAGIC.length];
            map.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new CorruptCacheException("bad magic");
            }
            int headerLen = map.getInt();
            if (headerLen < 2 || headerLen > MAX_HEADER || MAGIC.length + 4L + headerLen > size) {
                throw new CorruptCacheException("header length " + headerLen + " does not fit a file of " + size + " bytes");
            }
            byte[] headerBytes = new byte[headerLen];
            map.get(headerBytes);
            JsonNode h;
            try {
                h = JSON.readTree(headerBytes);
            } catch (IOException e) {
                throw new CorruptCacheException("header is not JSON");
            }
            if (h == null || h.path("format").asInt(-1) != FORMAT
                    || !key.encoder().equals(h.path("encoder").asText())
                    || !key.examplesSha256().equals(h.path("examples_sha256").asText())
                    || h.path("block_size").asInt(-1) != key.blockSize()) {
                throw new CorruptCacheException("header does not hold this file's key");
            }
            BlockCodec.Width width = BlockCodec.Width.ofBytes(h.path("width").asInt(-1));
            int blocks = h.path("blocks").asInt(-1);
            long examples = h.path("examples").asLong(-1);
            long tokens = h.path("tokens").asLong(-1);
            if (width == null || blocks < 0 || examples < 0 || tokens < (long) blocks * key.blockSize()) {
                throw new CorruptCacheException("header counts are invalid: " + h);
            }
            long offset = align8(MAGIC.length + 4 + headerLen);
            long dataLen = (long) blocks * key.blockSize() * width.bytes;
            if (offset + dataLen != size) {
                throw new CorruptCacheException("expected " + (offset + dataLen) + " bytes, file has " + size);
            }
            ByteBuffer data = map.slice((int) offset, (int) dataLen);
            MessageDigest sha = Checksums.newSha256();
            sha.update(data.duplicate());
            String actual = Checksums.hex(sha);
            if (!actual.equals(h.path("data_sha256").asText())) {
                throw new CorruptCacheException("data sha256 " + actual + ", header says " + h.path("data_sha256").asText());
            }
            return BlockCodec.decode(data, width, key.blockSize(), blocks, examples, tokens);
        }
    }

    private static int align8(int n) {
        return (n + 7) / 8 * 8;
    }

    /** A cache file that must be rebuilt; never leaves this class. */
    private static final class CorruptCacheException extends IOException {
        CorruptCacheException(String message) {
            super(message);
        }
    }
}
