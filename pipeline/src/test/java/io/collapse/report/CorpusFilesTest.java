package io.collapse.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusFilesTest {

    @TempDir Path tmp;

    private void int32Corpus(int manifestBlocks, String sha) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(2 * 3 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int id : new int[] {2, 70000, 5, 6, 7, 8}) {
            buf.putInt(id);
        }
        Files.write(tmp.resolve("shard-00000.i32"), buf.array());
        Files.writeString(tmp.resolve("manifest.json"), "{\"format\":1,\"block_size\":3,\"blocks\":" + manifestBlocks
                + ",\"dtype\":\"int32\",\"shards\":[{\"file\":\"shard-00000.i32\",\"blocks\":2" + sha + "}]}");
    }

    @Test
    void readsInt32BlocksInOrder() throws IOException {
        int32Corpus(2, "");
        int[][] blocks = CorpusFiles.read(tmp);
        assertEquals(2, blocks.length);
        assertArrayEquals(new int[] {2, 70000, 5}, blocks[0]);
        assertArrayEquals(new int[] {6, 7, 8}, blocks[1]);
    }

    @Test
    void anIncompleteCorpusIsRefusedNamingTheCounts() throws IOException {
        int32Corpus(5, "");
        IOException e = assertThrows(IOException.class, () -> CorpusFiles.read(tmp));
        assertTrue(e.getMessage().contains("2 of 5 blocks"), e.getMessage());
    }

    @Test
    void aChecksumMismatchIsRefused() throws IOException {
        int32Corpus(2, ",\"sha256\":\"00\"");
        IOException e = assertThrows(IOException.class, () -> CorpusFiles.read(tmp));
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    }

    @Test
    void f32WithATornTailIsRefused() throws IOException {
        Path f = tmp.resolve("x.f32");
        SyntheticRuns.writeF32(f, new float[] {1.5f, 20f});
        assertArrayEquals(new float[] {1.5f, 20f}, CorpusFiles.readF32(f));
        Files.write(f, new byte[] {0, 0, (byte) 0xC0, 0x3F, 1});
        IOException e = assertThrows(IOException.class, () -> CorpusFiles.readF32(f));
        assertTrue(e.getMessage().contains("5 bytes"), e.getMessage());
    }
}
