package io.collapse.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.TestFiles;
import io.collapse.text.TextEncoder;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockCacheTest {

    @TempDir Path tmp;
    /** The cache every test fills, in its own temporary folder. */
    private BlockCache cache;
    /** Bytes as ids from 3; its calls tell a cache hit from a rebuild. */
    private final Counting enc = new Counting(new ByteEncoder(3));

    @BeforeEach
    void openCache() {
        cache = new BlockCache(tmp.resolve("blocks"));
    }

    private static SplitText split(int n) {
        List<String> examples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            examples.add(i % 5 == 0 ? "" : " example number " + i + " .\n");
        }
        return new SplitText("train", "mem", "0".repeat(64), examples);
    }

    /** An encoder that counts its calls, to tell a cache hit from a rebuild. */
    private static final class Counting implements TextEncoder {
        final TextEncoder inner;
        int calls;

        Counting(TextEncoder inner) {
            this.inner = inner;
        }

        @Override
        public int[] encode(String text) {
            calls++;
            return inner.encode(text);
        }

        @Override
        public String fingerprint() {
            return inner.fingerprint();
        }
    }

    private static void assertSameBlocks(TokenBlocks expected, TokenBlocks actual) {
        assertEquals(expected.numBlocks(), actual.numBlocks());
        assertEquals(expected.blockSize(), actual.blockSize());
        assertEquals(expected.examples(), actual.examples());
        assertEquals(expected.tokens(), actual.tokens());
        for (int i = 0; i < expected.numBlocks(); i++) {
            assertArrayEquals(expected.block(i), actual.block(i), "block " + i);
        }
        assertEquals(expected.idsSha256(), actual.idsSha256());
    }

    @Test
    void secondLoadMapsTheFileUint16() throws IOException {
        SplitText split = split(200);
        TokenBlocks built = cache.load(split, enc, 16);
        assertEquals(200, enc.calls);
        TokenBlocks mapped = cache.load(split, enc, 16);
        assertEquals(200, enc.calls, "second load must not tokenize");
        assertSameBlocks(TokenBlocks.tokenize(split.examples(), new ByteEncoder(3), 16), mapped);
        assertSameBlocks(built, mapped);
        Path file = cache.file(split, enc, 16);
        long data = 2L * built.numBlocks() * 16;
        assertTrue(Files.size(file) >= data && Files.size(file) < data + 1024, "uint16 ids: " + Files.size(file));
        try (Stream<Path> files = Files.list(tmp.resolve("blocks"))) {
            assertEquals(List.of(file), files.toList(), "one file, no temporaries");
        }
    }

    @Test
    void largeIdsAreStoredAsInt32() throws IOException {
        SplitText split = split(50);
        TextEncoder big = new ByteEncoder(70_000);
        TokenBlocks built = cache.load(split, big, 8);
        assertTrue(built.maxId() > 65535, "max id " + built.maxId());
        TokenBlocks mapped = cache.load(split, big, 8);
        assertSameBlocks(built, mapped);
        long data = 4L * built.numBlocks() * 8;
        long size = Files.size(cache.file(split, big, 8));
        assertTrue(size >= data && size < data + 1024, "int32 ids: " + size);
    }

    @Test
    void changedInputEncoderOrBlockSizeMakeANewFile() throws IOException {
        Path a = cache.file(split(100), enc, 16);
        assertNotEquals(a, cache.file(split(101), enc, 16));
        assertNotEquals(a, cache.file(split(100), new ByteEncoder(4), 16));
        assertNotEquals(a, cache.file(split(100), enc, 32));
        assertEquals(a, cache.file(split(100), enc, 16));
        TokenBlocks b16 = cache.load(split(100), enc, 16);
        TokenBlocks b32 = cache.load(split(100), enc, 32);
        assertEquals(b16.tokens(), b32.tokens());
        assertEquals(b16.tokens() / 32, b32.numBlocks());
    }

    @Test
    void corruptOrTruncatedFileIsRebuilt() throws Exception {
        SplitText split = split(120);
        TokenBlocks expected = cache.load(split, enc, 16);
        Path file = cache.file(split, enc, 16);
        byte[] good = Files.readAllBytes(file);

        // flip one id in the data region
        byte[] flipped = good.clone();
        flipped[flipped.length - 3] ^= 0x10;
        Files.write(file, flipped);
        assertSameBlocks(expected, cache.load(split, enc, 16));
        assertEquals(240, enc.calls, "rebuilt once");
        assertArrayEquals(good, Files.readAllBytes(file));

        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(good.length - 10);
        }
        assertSameBlocks(expected, cache.load(split, enc, 16));
        assertEquals(360, enc.calls, "rebuilt again");

        Files.write(file, new byte[] {'C', 'L'});
        assertSameBlocks(expected, cache.load(split, enc, 16));
        assertEquals(480, enc.calls);
        assertArrayEquals(good, Files.readAllBytes(file));

        // A FIFO in the file's place is never opened (the read would wait for a writer): rebuilt over it.
        TestFiles.mkfifo(file);
        assertSameBlocks(expected, assertTimeoutPreemptively(Duration.ofSeconds(20), () -> cache.load(split, enc, 16)));
        assertEquals(600, enc.calls);
        assertArrayEquals(good, Files.readAllBytes(file));
    }
}
