package io.collapse.model.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile safetensors headers: each is refused with the file and the tensor named. */
class SafetensorsTest {

    @TempDir Path tmp;

    @Test
    void tensorsThatTileTheDataAreRead() throws IOException {
        Path st = write("{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 16);
        assertEquals(List.of("a", "e", "b"), List.copyOf(Safetensors.read(st).keySet()));
    }

    @Test
    void tensorsSharingOffsetsAreRefused() throws IOException {
        // Two weights aliasing the same bytes: read silently, they gave wrong results (issue 15).
        Path st = write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 16);
        assertRefused(st, "tensor 'b' begins at byte 0 but tensor 'a' ends at 8 (overlapping tensors)");
    }

    @Test
    void aGapOrTrailingBytesAreRefused() throws IOException {
        assertRefused(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16),
                "tensor 'a' begins at byte 8 but the start of the data section ends at 0 (a gap)");
        assertRefused(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 16),
                "the tensors end at byte 8 but the data section has 16 bytes");
    }

    @Test
    void aShapeOverflowingLongIsRefusedEvenOnATensorThatIsDropped() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("model"));
        Files.copy(HfModelDirTest.CASE_A.resolve("config.json"), dir.resolve("config.json"));
        Path st = dir.resolve("model.safetensors");
        write(st, "{\"lm_head.weight\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 0);
        CheckpointException e = assertThrows(CheckpointException.class, () -> HfModelDir.read(dir));
        assertTrue(e.getMessage().contains(st.toString()) && e.getMessage().contains("'lm_head.weight' F32[4294967296, 4294967296]"
                + " has more than 2^63 bytes"), e.getMessage());
    }

    @Test
    void nonIntegerOrNegativeShapesAndOffsetsAreRefused() throws IOException {
        assertRefused(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8),
                "tensor 'a' has shape value 2.5, expected an integer");
        assertRefused(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8),
                "tensor 'a' has data_offsets value -8, expected an integer");
    }

    @Test
    void duplicateTensorNamesInTheHeaderAreRefused() throws IOException {
        assertRefused(write("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), "Duplicate field 'a'");
    }

    private Path write(String header, int dataBytes) throws IOException {
        return write(Files.createTempFile(tmp, "model", ".safetensors"), header, dataBytes);
    }

    private static Path write(Path file, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Files.write(file, b.array());
        return file;
    }

    private static void assertRefused(Path file, String expected) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Safetensors.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(expected), e.getMessage());
    }
}
