package io.collapse.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.config.ConfigLoader;
import io.collapse.io.ErrorLines;
import io.collapse.io.Pause;
import io.collapse.io.RegularFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One writer per run directory: {@code run.lock}, locked with the operating system's file lock
 * (fcntl) for as long as a run or resume works there, and holding the holder's pid, host and start
 * time. The kernel releases the lock when its process dies, however it dies, so a lock left by a
 * killed job is free again; a later run takes it over and says whose it was. On a network file
 * system the lock is as good as the file system's lock service (NFSv4 has one; an NFSv3 mount
 * without lockd may grant it twice).
 */
public final class RunLock implements AutoCloseable {

    public static final String FILE = "run.lock";

    /** The directory is held by another live process. */
    public static final class HeldException extends IOException {
        HeldException(String message) {
            super(message);
        }
    }

    /** Whether a process works in a run directory: one does, none did (or it ended), or the last one was killed. */
    public enum State {
        RUNNING, NONE, KILLED, UNKNOWN;

        /** As status prints it and its JSON holds it: "running", "none", "killed", "unknown". */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Who works in a run directory: {@code holder} names the live process (RUNNING), the last one
     * (KILLED: a process that ends, even by an error, empties the file), or why the lock could not
     * be read (UNKNOWN); null for NONE.
     */
    public record Holder(State state, String holder) {}

    /**
     * The lock files this process holds. An fcntl lock belongs to the process, and closing any
     * channel on its file drops it, so neither {@link #probe} nor a second {@link #acquire} may
     * open a file held here.
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code runDir} (creating it), or throws {@link HeldException} naming the holder.
     *
     * @param log told when the lock of a process that died is taken over
     */
    public static RunLock acquire(Path runDir, PrintWriter log) throws IOException {
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
            throw new IOException("run directory " + runDir + " is a file; expected a directory (or a path that does not exist yet)");
        }
        Files.createDirectories(runDir);
        Path file = runDir.resolve(FILE);
        if (heldHere(file)) { // opening it again would drop the lock (see HELD)
            throw new HeldException("run directory " + runDir + " is in use by " + describe(holder())
                    + "; one process at a time may write a run (wait for it, or stop it)");
        }
        RegularFiles.isPresent(file); // a FIFO or folder there is refused by name
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            FileLock lock = tryLock(ch);
            for (int retry = 0; lock == null && retry < 5; retry++) { // a `status` holds its shared lock for an instant
                Pause.of(Duration.ofMillis(20), "for the run lock");
                lock = tryLock(ch);
            }
            String previous = read(ch);
            if (lock == null) {
                throw new HeldException("run directory " + runDir + " is in use by " + describe(previous)
                        + "; one process at a time may write a run (wait for it, or stop it)");
            }
            if (!previous.isBlank()) {
                log.println("note: taking over " + file + " from " + describe(previous) + ", which is no longer running");
            }
            write(ch, holder());
            Path held = file.toRealPath(); // probe's key, whichever link leads there
            HELD.add(held);
            return new RunLock(held, ch, lock);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Empties the file, so the next holder knows this one ended cleanly, then releases it. */
    @Override
    public void close() throws IOException {
        try {
            channel.truncate(0);
            channel.force(true);
            lock.release();
        } finally {
            HELD.remove(file);
            channel.close();
        }
    }

    /**
     * Who works in {@code runDir}, found by asking for a shared lock and letting it go at once (a
     * {@code run} starting in that instant waits for it). Never throws: a lock that cannot be read
     * is UNKNOWN, with the reason.
     */
    public static Holder probe(Path runDir) {
        Path file = runDir.resolve(FILE);
        if (!Files.exists(file)) {
            return new Holder(State.NONE, null);
        }
        try {
            RegularFiles.isPresent(file); // opening a FIFO would wait for a writer
            if (heldHere(file)) { // not to be opened (see HELD)
                return new Holder(State.RUNNING, describe(holder()));
            }
            return probeOpen(file);
        } catch (IOException | RuntimeException e) {
            return new Holder(State.UNKNOWN, file + ": " + ErrorLines.oneLine(e));
        }
    }

    /** Whether this process holds the lock file {@code file}. */
    private static boolean heldHere(Path file) throws IOException {
        return Files.exists(file) && HELD.contains(file.toRealPath());
    }

    private static Holder probeOpen(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            String content = read(ch);
            FileLock shared = ch.tryLock(0, Long.MAX_VALUE, true);
            if (shared == null) {
                return new Holder(State.RUNNING, describe(content));
            }
            shared.release();
            return content.isBlank() ? new Holder(State.NONE, null) : new Holder(State.KILLED, describe(content));
        }
    }

    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // this very process holds it already
        }
    }

    private static String holder() throws IOException {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("pid", ProcessHandle.current().pid());
        h.put("host", hostName());
        h.put("started", Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()).toString());
        return ConfigLoader.JSON.writeValueAsString(h);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return System.getenv().getOrDefault("HOSTNAME", "unknown host");
        }
    }

    /** "pid 123 on host h (started 2026-…)", or the raw text when it is not what holder() writes. */
    private static String describe(String content) {
        if (content.isBlank()) {
            return "another process"; // one that has locked the file and not yet written it
        }
        try {
            JsonNode n = ConfigLoader.JSON.readTree(content);
            return "pid " + n.path("pid").asText("?") + " on host " + n.path("host").asText("?")
                    + " (started " + n.path("started").asText("?") + ")";
        } catch (IOException | RuntimeException e) { // damaged: at most a line of it, control characters shown as '?'
            String shown = content.strip().replaceAll("\\p{Cntrl}", "?");
            return "another process ('" + (shown.length() <= 80 ? shown : shown.substring(0, 77) + "...") + "')";
        }
    }

    private static String read(FileChannel ch) throws IOException {
        long size = Math.min(ch.size(), 4096);
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        ch.read(buf, 0);
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    }

    private static void write(FileChannel ch, String text) throws IOException {
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        ch.force(true);
    }
}
