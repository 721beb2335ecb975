package io.collapse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.function.Executable;

/** Hostile files for tests: a FIFO where a file belongs, and the check that it is refused without being opened. */
public final class TestFiles {

    private TestFiles() {}

    /** A FIFO at {@code file} (whatever was there goes): opening it to read would wait for a writer for ever. */
    public static Path mkfifo(Path file) throws Exception {
        Files.deleteIfExists(file);
        assertEquals(0, new ProcessBuilder("mkfifo", file.toString()).start().waitFor(), "mkfifo " + file);
        return file;
    }

    /** {@code call} throws {@code type} within seconds: a read that blocked on a FIFO fails the test instead of hanging it. */
    public static <T extends Throwable> T refusedAtOnce(Class<T> type, Executable call) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(type, call));
    }
}
