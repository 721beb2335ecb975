package io.collapse.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir Path dir;

    /** A folder where a file belongs is refused before anything is written, in one line naming the file once. */
    @Test
    void aFolderInAFilesPlaceIsRefusedBeforeTheWrite() throws IOException {
        Path target = Files.createDirectories(dir.resolve("corpus-ppl.f32"));
        Files.writeString(target.resolve("mine.txt"), "mine");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeBytes(target, new byte[] {1, 2}));
        assertEquals("cannot write " + target + ": a folder is in its place; expected a file (move the folder away)",
                e.getMessage());
        try (var left = Files.list(dir)) {
            assertEquals(List.of(target), left.toList(), "no temporary file left beside it");
        }
        assertEquals("mine", Files.readString(target.resolve("mine.txt")));
    }
}
