package io.collapse.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code events.jsonl}: one JSON object per line, {@code {"time": ISO-8601, "event": ..., ...}},
 * appended and flushed line by line so a crash loses at most the line being written.
 */
public final class EventLog implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferedWriter out;

    public EventLog(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Writes {@code fields} after "time" and "event"; returns the line's object. */
    public Map<String, Object> append(String event, Map<String, Object> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("event", event);
        line.putAll(fields);
        try {
            out.write(JSON.writeValueAsString(line));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the events file: " + e.getMessage(), e);
        }
        return line;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
