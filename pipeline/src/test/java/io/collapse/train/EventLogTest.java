package io.collapse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventLogTest {

    @TempDir Path dir;

    /** Opening cuts what follows the last newline, however long (read back a block at a time), and appends after it. */
    @Test
    void aTornTailIsCutWhereverItsLastNewlineIs() throws IOException {
        Path file = dir.resolve("events.jsonl");
        String whole = "{\"event\":\"a\"}\n{\"event\":\"b\"}\n";
        for (int tail : new int[] {0, 1, (1 << 16) - 1, 1 << 16, (1 << 16) + 1, 300_000}) {
            Files.writeString(file, whole + "x".repeat(tail));
            new EventLog(file).close();
            assertEquals(whole, Files.readString(file), "tail of " + tail);
        }
        for (int size : new int[] {1, 1 << 16, 200_000}) {
            Files.writeString(file, "x".repeat(size));
            try (EventLog log = new EventLog(file)) {
                log.append("c", Map.of());
            }
            assertEquals(1, EventLog.read(file).size(), "no newline in " + size + " bytes: all of it cut");
        }
    }

    @Test
    void anUnreadableLogIsNamed() throws IOException {
        Path file = Files.createDirectory(dir.resolve("events.jsonl"));
        IOException e = assertThrows(IOException.class, () -> EventLog.read(file));
        assertTrue(e.getMessage().startsWith(file + ": cannot read the events log ("), e.getMessage());
    }

    /** The log is streamed and a line longer than any event (damage: zeros, a pasted file) is passed over unread. */
    @Test
    void aHugeLineIsSkippedAndTheRestRead() throws IOException {
        Path file = dir.resolve("events.jsonl");
        try (var out = Files.newBufferedWriter(file)) {
            out.write("{\"event\":\"a\"}\n");
            out.write("x".repeat((1 << 24) + 10));
            out.write("\n{\"event\":\"b\"}\n");
        }
        assertEquals(List.of("a", "b"), EventLog.read(file).stream().map(n -> n.path("event").asText()).toList());
        assertEquals("b", EventLog.last(file, "b").path("event").asText());
    }
}
