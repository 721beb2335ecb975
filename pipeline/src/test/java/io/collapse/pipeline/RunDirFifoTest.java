package io.collapse.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.TestFiles;
import io.collapse.config.RunConfig;
import io.collapse.train.EventLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A FIFO where a run file belongs (a user's mistake, a copy gone wrong) is refused by name, never
 * read: opening one waits for a writer for ever, and status, resume and report hung on it.
 */
class RunDirFifoTest {

    @TempDir Path runDir;

    @Test
    void stateEventsAndLockFifosAreRefusedNotWaitedOn() throws Exception {
        RunManifest.createOrCheckData(runDir, null, RunConfig.load("smoke", List.of()), Map.of("train", "a"));
        Path state = runDir.resolve(RunState.FILE);
        Path events = runDir.resolve(RunFiles.EVENTS);
        Path lock = runDir.resolve(RunLock.FILE);
        for (Path file : List.of(state, events, lock)) {
            TestFiles.mkfifo(file);
        }
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            IOException e = assertThrows(IOException.class, () -> RunState.read(runDir, 2));
            assertTrue(e.getMessage().startsWith(state + ": ") && e.getMessage().contains("not a regular file"), e.getMessage());
            e = assertThrows(IOException.class, () -> EventLog.read(events));
            assertEquals(events + ": cannot read the events log (not a regular file (a FIFO or device?))", e.getMessage());
            assertThrows(IOException.class, () -> new EventLog(events).close());
            RunLock.Holder holder = RunLock.probe(runDir);
            assertEquals(RunLock.State.UNKNOWN, holder.state());
            assertTrue(holder.holder().contains("not a regular file"), holder.holder());
            e = assertThrows(IOException.class, () -> RunLock.acquire(runDir, new PrintWriter(new StringWriter())));
            assertEquals(lock + ": not a regular file (a FIFO or device?); expected a file", e.getMessage());
        });
    }
}
