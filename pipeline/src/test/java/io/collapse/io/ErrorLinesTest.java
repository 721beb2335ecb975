package io.collapse.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class ErrorLinesTest {

    @Test
    void aCauseIsAddedOnlyWhenItSaysMoreAndNeverInJacksonsWords() {
        IOException disk = new IOException("No space left on device");
        assertEquals("state.json: cannot write (No space left on device)",
                ErrorLines.oneLine(new IOException("state.json: cannot write", disk)));
        assertEquals("state.json: No space left on device",
                ErrorLines.oneLine(new IOException("state.json: No space left on device", disk)));
        IOException jackson = assertThrows(IOException.class, () -> new ObjectMapper().readValue("{\"x\": \"yes\"}", Flag.class));
        assertEquals("state.json: not a valid run state (x: expected true or false, got yes)", ErrorLines.oneLine(
                new IOException("state.json: not a valid run state (x: expected true or false, got yes)\nsecond line", jackson)));
    }

    /** Java says only the path for these: the line says what is wrong with it. */
    @Test
    void aFileSystemExceptionWithoutAReasonGetsOne() {
        assertEquals("/tmp/x/out.txt: already exists", ErrorLines.oneLine(new FileAlreadyExistsException("/tmp/x/out.txt")));
        assertEquals("/tmp/x/a: no such file or folder", ErrorLines.oneLine(new NoSuchFileException("/tmp/x/a")));
        assertEquals("/tmp/x/b: Permission denied", ErrorLines.oneLine(new AccessDeniedException("/tmp/x/b", null, "Permission denied")));
    }

    record Flag(boolean x) {}
}
