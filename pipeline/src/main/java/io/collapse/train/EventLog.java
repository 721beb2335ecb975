package io.collapse.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.config.ConfigLoader;
import io.collapse.io.HaltHook;
import io.collapse.io.RegularFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code events.jsonl}: one JSON object per line, {@code {"time": ISO-8601, "event": ..., ...}},
 * appended and flushed line by line so a crash loses at most the line being written. A line torn by
 * a kill is cut off when the file is opened again, so the next event starts a line of its own.
 */
public final class EventLog implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter out;

    public EventLog(Path file) throws IOException {
        this.file = file;
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        cutTornTail(file);
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** Every readable line of {@code file} in order; none when it is absent. A torn or damaged line is skipped. */
    public static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        eachLine(file, line -> {
            JsonNode n = parse(line);
            if (n != null) {
                out.add(n);
            }
        });
        return out;
    }

    /** The last readable {@code event} line of {@code file}, or null: only lines naming it are parsed (a run logs ~10⁵ steps). */
    public static JsonNode last(Path file, String event) throws IOException {
        String tag = "\"event\":" + JSON.writeValueAsString(event); // as append writes it
        JsonNode[] last = {null};
        eachLine(file, line -> {
            JsonNode n = line.contains(tag) ? parse(line) : null;
            if (n != null && event.equals(n.path("event").asText())) {
                last[0] = n;
            }
        });
        return last[0];
    }

    /** Longer lines are damage (an event is a few hundred bytes): skipped unread, so no line can exhaust the heap. */
    private static final int MAX_LINE_CHARS = 1 << 24;

    /**
     * Each line of {@code file} in order, none when it is absent; streamed, so a log of any length is
     * read. Decoded leniently: a kill may tear a multi-byte character, and the torn tail is only cut
     * on the next open. A folder or FIFO where the log belongs is refused, not waited on.
     */
    private static void eachLine(Path file, Consumer<String> use) throws IOException {
        if (!present(file, "read")) {
            return;
        }
        CharsetDecoder lenient = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        try (Reader in = new InputStreamReader(Files.newInputStream(file), lenient)) {
            StringBuilder line = new StringBuilder();
            boolean tooLong = false;
            char[] buf = new char[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        if (!tooLong) {
                            use.accept(line.toString());
                        }
                        line.setLength(0);
                        tooLong = false;
                    } else if (!tooLong && line.length() < MAX_LINE_CHARS) {
                        line.append(buf[i]);
                    } else {
                        tooLong = true;
                        line.setLength(0);
                    }
                }
            }
            if (!tooLong && line.length() > 0) {
                use.accept(line.toString());
            }
        } catch (IOException e) {
            throw new IOException(file + ": cannot read the events log (" + e.getMessage() + ")", e);
        }
    }

    /** Whether the log is there; a folder or FIFO in its place is refused ("cannot {@code verb} the events log"), not waited on. */
    private static boolean present(Path file, String verb) throws IOException {
        String instead = RegularFiles.instead(file);
        if (instead != null) {
            throw new IOException(file + ": cannot " + verb + " the events log (" + instead + ")");
        }
        return Files.exists(file);
    }

    /** A line's object, or null for one a kill tore or that is damaged (strict: trailing text counts). */
    private static JsonNode parse(String line) {
        try {
            return ConfigLoader.JSON.readTree(line);
        } catch (IOException damaged) {
            return null;
        }
    }

    /** Truncates {@code file} after its last newline (nothing when it ends with one, or is absent). */
    static void cutTornTail(Path file) throws IOException {
        if (!present(file, "repair")) {
            return;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long end = ch.size();
            long keep = afterLastNewline(ch, end);
            if (keep < end) {
                ch.truncate(keep);
                ch.force(true);
            }
        } catch (IOException e) {
            throw new IOException(file + ": cannot repair the events log (" + e.getMessage() + ")", e);
        }
    }

    /** The length up to and including the last newline before {@code end}, 0 if none; read backwards a block at a time. */
    private static long afterLastNewline(FileChannel ch, long end) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(1 << 16);
        for (long to = end; to > 0; ) {
            long from = Math.max(0, to - block.capacity());
            block.clear().limit((int) (to - from));
            while (block.hasRemaining()) { // a read may return fewer bytes than asked
                if (ch.read(block, from + block.position()) < 0) {
                    break;
                }
            }
            for (int i = block.position() - 1; i >= 0; i--) {
                if (block.get(i) == '\n') {
                    return from + i + 1;
                }
            }
            to = from;
        }
        return 0;
    }

    /** Writes {@code fields} after "time" and "event"; returns the line's object. */
    public Map<String, Object> append(String event, Map<String, Object> fields) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.now().toString());
        line.put("event", event);
        line.putAll(fields);
        String text;
        try {
            text = JSON.writeValueAsString(line);
            out.write(text);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot append an event (" + e.getMessage() + ")", e);
        }
        HaltHook.reached(text);
        return line;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
