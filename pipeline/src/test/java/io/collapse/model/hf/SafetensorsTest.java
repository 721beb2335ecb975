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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hostile safetensors headers: each is refused with the file and the tensor named. */
class SafetensorsTest {

    @TempDir Path tmp;

    @Test
    void tensorsThatTileTheDataAreRead() throws IOException {
        Path st = write(header(f32("b", "2", "8,16"), f32("e", "0", "8,8"), f32("a", "2", "0,8")), 16);
        assertEquals(List.of("a", "e", "b"), List.copyOf(Safetensors.read(st).keySet()));
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

    /** A header that does not tile its data section, or is not a header at all: the file, the tensor and the fault named. */
    @ParameterizedTest(name = "{2}")
    @MethodSource
    void badHeadersAreRefused(String header, int dataBytes, String expected) throws IOException {
        assertRefused(write(header, dataBytes), expected);
    }

    static Stream<Arguments> badHeadersAreRefused() {
        return Stream.of(
                // Two weights aliasing the same bytes: read silently, they gave wrong results (issue 15).
                Arguments.of(header(f32("a", "2", "0,8"), f32("b", "2", "0,8")), 16,
                        "tensor 'b' begins at byte 0 but tensor 'a' ends at 8 (overlapping tensors)"),
                Arguments.of(header(f32("a", "2", "8,16")), 16,
                        "tensor 'a' begins at byte 8 but the start of the data section ends at 0 (a gap)"),
                Arguments.of(header(f32("a", "2", "0,8")), 16, "the tensors end at byte 8 but the data section has 16 bytes"),
                Arguments.of(header(f32("a", "2.5", "0,8")), 8, "tensor 'a' has shape value 2.5, expected an integer"),
                Arguments.of(header(f32("a", "2", "-8,0")), 8, "tensor 'a' has data_offsets value -8, expected an integer"),
                Arguments.of(header(f32("a", "2", "0,8"), f32("a", "2", "0,8")), 8, "Duplicate field 'a'"));
    }

    /** A header's JSON: the tensors' entries in the order given. */
    private static String header(String... tensors) {
        return "{" + String.join(",", tensors) + "}";
    }

    /** One F32 tensor's entry; {@code shape} and {@code offsets} are the JSON arrays' contents. */
    private static String f32(String name, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" + shape + "],\"data_offsets\":[" + offsets + "]}";
    }

    private Path write(String header, int dataBytes) throws IOException {
        return write(Files.createTempFile(tmp, "model", ".safetensors"), header, dataBytes);
    }

    /** A raw safetensors file: the header's length and bytes, then {@code dataBytes} zero bytes. */
    static Path write(Path file, String header, int dataBytes) throws IOException {
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
