package io.collapse.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** run.lock in one process; RunResumeTest covers a second process and a killed holder. */
class RunLockTest {

    @TempDir Path tmp;

    @Test
    void aHeldDirectoryIsRefusedNamingTheHolderAndFreeAgainAfterClose() throws Exception {
        Path run = tmp.resolve("run");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        assertEquals(new RunLock.Holder(RunLock.State.NONE, null), RunLock.probe(run), "no run directory yet");
        try (RunLock held = RunLock.acquire(run, new PrintWriter(log, true))) {
            RunLock.HeldException e = assertThrows(RunLock.HeldException.class, () -> RunLock.acquire(run, new PrintWriter(System.out, true)));
            assertTrue(e.getMessage().contains("is in use by pid " + ProcessHandle.current().pid() + " on host "), e.getMessage());
            Path link = Files.createSymbolicLink(tmp.resolve("link"), run);
            for (Path dir : List.of(run, link)) {
                RunLock.Holder probed = RunLock.probe(dir);
                assertTrue(probed.state() == RunLock.State.RUNNING
                        && probed.holder().startsWith("pid " + ProcessHandle.current().pid() + " on host "), probed::toString);
            }
            // Another process sees the lock still held: probing here did not drop this process's fcntl lock.
            assertEquals("RUNNING", childProbe(run));
        }
        assertEquals(0, Files.size(run.resolve(RunLock.FILE)), "a clean release empties the file");
        assertEquals(new RunLock.Holder(RunLock.State.NONE, null), RunLock.probe(run), "ended cleanly");
        try (RunLock again = RunLock.acquire(run, new PrintWriter(log, true))) {
            assertEquals("", log.toString(StandardCharsets.UTF_8), "nothing to take over after a clean release");
        }
        Files.delete(run.resolve(RunLock.FILE));
        Files.createDirectory(run.resolve(RunLock.FILE));
        assertEquals(RunLock.State.UNKNOWN, RunLock.probe(run).state(), "a lock file that is a directory");
    }

    @Test
    void theLockOfAProcessThatDiedIsTakenOverWithANote() throws IOException {
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(run.resolve(RunLock.FILE), "{\"pid\": 999999, \"host\": \"node7\", \"started\": \"2026-11-25T10:00:00Z\"}");
        assertEquals(new RunLock.Holder(RunLock.State.KILLED, "pid 999999 on host node7 (started 2026-11-25T10:00:00Z)"),
                RunLock.probe(run), "killed: its file was never emptied");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (RunLock lock = RunLock.acquire(run, new PrintWriter(new OutputStreamWriter(log, StandardCharsets.UTF_8), true))) {
            String note = log.toString(StandardCharsets.UTF_8);
            assertTrue(note.contains("taking over") && note.contains("pid 999999 on host node7"), note);
            assertTrue(Files.readString(run.resolve(RunLock.FILE)).contains(Long.toString(ProcessHandle.current().pid())));
        }
    }

    /** Prints {@link RunLock#probe} of its argument: what another process sees. */
    public static final class Probe {
        public static void main(String[] args) {
            System.out.println(RunLock.probe(Path.of(args[0])).state());
        }
    }

    /** {@link RunLock#probe} of {@code run} in a child JVM (its own process, so its own fcntl locks). */
    private static String childProbe(Path run) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Probe.class.getName(), run.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void aRunDirectoryThatIsAFileIsRefusedInOneLine() throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        IOException e = assertThrows(IOException.class, () -> RunLock.acquire(file, new PrintWriter(System.out, true)));
        assertTrue(e.getMessage().contains(file + " is a file; expected a directory"), e.getMessage());
        assertEquals("x", Files.readString(file), "nothing written over it");
    }
}
