package io.collapse.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonFilesTest {

    @TempDir Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    record Point(int x, List<String> tags) {}

    @Test
    void anAbsentFileIsNullAndAWrittenOneReadsBackWithNothingLeftBeside() throws IOException {
        Path file = dir.resolve("point.json");
        assertNull(JsonFiles.readIfPresent(JSON, file, Point.class, "not a point", IOException::getMessage));
        JsonFiles.write(JSON, file, new Point(3, List.of("a")));
        JsonFiles.write(JSON, file, new Point(4, List.of("b", "c")));
        assertEquals("{\"x\":4,\"tags\":[\"b\",\"c\"]}", Files.readString(file));
        assertEquals(new Point(4, List.of("b", "c")), JsonFiles.readIfPresent(JSON, file, Point.class, "not a point", IOException::getMessage));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void aFileThatDoesNotReadNamesItselfWhatItIsNotAndWhy() throws IOException {
        Path file = dir.resolve("point.json");
        Files.writeString(file, "{\"x\": \"far\"}");
        IOException plain = assertThrows(IOException.class, () -> JsonFiles.readIfPresent(JSON, file, Point.class, "not a point", IOException::getMessage));
        assertTrue(plain.getMessage().startsWith(file + ": not a point (Cannot deserialize value of type `int`"), plain.getMessage());
        IOException told = assertThrows(IOException.class,
                () -> JsonFiles.readIfPresent(JSON, file, Point.class, "not a point", e -> "x is no number"));
        assertEquals(file + ": not a point (x is no number)", told.getMessage());
    }

    /** Read as absent, a state file that says null would have its finished work redone. */
    @Test
    void aFileHoldingJsonNullIsDamagedNotAbsent() throws IOException {
        Path file = dir.resolve("point.json");
        Files.writeString(file, " null\n");
        IOException e = assertThrows(IOException.class, () -> JsonFiles.readIfPresent(JSON, file, Point.class, "not a point", IOException::getMessage));
        assertEquals(file + ": not a point (it holds JSON null; expected an object)", e.getMessage());
    }

    /** Damage (garbage, null, bytes of no encoding, a folder) is a DamagedFileException; each copy kept aside is kept. */
    @Test
    void damageIsToldFromTheDiskAndEveryCopyKeptAsideIsKept() throws IOException {
        Path file = dir.resolve("point.json");
        for (byte[] content : List.of("{\"x\": ".getBytes(), "null".getBytes(), new byte[] {0, 0, 0, (byte) 0xFF, 1})) {
            Files.write(file, content);
            assertThrows(DamagedFileException.class,
                    () -> JsonFiles.readIfPresent(JSON, file, Point.class, "not a point", IOException::getMessage));
        }
        assertEquals(dir.resolve("point.json.damaged"), AtomicFiles.keepAside(file));
        Files.writeString(file, "again");
        assertEquals(dir.resolve("point.json.damaged.2"), AtomicFiles.keepAside(file));
        Files.createDirectory(file);
        assertThrows(DamagedFileException.class,
                () -> JsonFiles.readIfPresent(JSON, file, Point.class, "not a point", IOException::getMessage));
        assertEquals(5, Files.size(dir.resolve("point.json.damaged")), "the first copy is still there");
        assertEquals("again", Files.readString(dir.resolve("point.json.damaged.2")));
    }

    /** Only a file the file system says is not there is absent: one it cannot tell about is an error, not damage. */
    @Test
    void aFileTheFileSystemCannotTellAboutIsAnErrorNotAbsent() throws IOException {
        Path notADir = Files.writeString(dir.resolve("plain"), "x");
        Path file = notADir.resolve("point.json"); // stat fails with ENOTDIR: Files.exists said false
        IOException e = assertThrows(IOException.class,
                () -> JsonFiles.readIfPresent(JSON, file, Point.class, "not a point", IOException::getMessage));
        assertFalse(e instanceof DamagedFileException, e.toString());
        assertTrue(e.getMessage().startsWith(file + ": not a point ("), e.getMessage());
    }
}
