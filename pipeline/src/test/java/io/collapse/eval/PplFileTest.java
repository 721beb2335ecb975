package io.collapse.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.TestFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PplFileTest {

    @TempDir Path tmp;

    @Test
    void f32WithATornTailIsRefused() throws IOException {
        Path f = tmp.resolve("x.f32");
        PplFile.write(f, new double[] {1.5, 20});
        assertArrayEquals(new float[] {1.5f, 20f}, PplFile.read(f));
        Files.write(f, new byte[] {0, 0, (byte) 0xC0, 0x3F, 1});
        IOException e = assertThrows(IOException.class, () -> PplFile.read(f));
        assertTrue(e.getMessage().contains("5 bytes"), e.getMessage());
    }

    /** Every file write makes reads back: a perplexity past float32's range is stored as its largest value. */
    @Test
    void aPerplexityPastFloat32IsStoredAsItsLargestValue() throws IOException {
        Path f = tmp.resolve("big.f32");
        PplFile.write(f, new double[] {2.5, 1e40, Double.POSITIVE_INFINITY});
        assertArrayEquals(new float[] {2.5f, Float.MAX_VALUE, Float.MAX_VALUE}, PplFile.read(f));
    }

    /** A FIFO is refused, not read (that would wait for ever); a file larger than any corpus's is refused, not loaded. */
    @Test
    void aFifoOrAHugeFileIsRefusedByName() throws Exception {
        Path fifo = TestFiles.mkfifo(tmp.resolve("fifo.f32"));
        IOException e = TestFiles.refusedAtOnce(IOException.class, () -> PplFile.read(fifo));
        assertEquals(fifo + ": not a regular file (a FIFO or device?); expected a file of float32 perplexities", e.getMessage());
        Path huge = tmp.resolve("huge.f32");
        try (RandomAccessFile f = new RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(PplFile.MAX_BYTES + 4); // sparse: no disk used
        }
        e = assertThrows(IOException.class, () -> PplFile.read(huge));
        assertEquals(huge + ": " + (PplFile.MAX_BYTES + 4) + " bytes; a perplexity file holds at most 268435456 values"
                + " (one per corpus block)", e.getMessage());
    }
}
