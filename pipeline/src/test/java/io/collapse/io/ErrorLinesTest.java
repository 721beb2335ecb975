package io.collapse.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
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

    record Flag(boolean x) {}
}
