package io.collapse.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.collapse.TestFiles;
import io.collapse.pipeline.RunFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report reads a run's JSON files as objects: a FIFO (never waited on), an empty file or an array is a warning. */
class RunReaderFifoTest {

    @TempDir Path dir;

    @Test
    void aFifoEmptyOrNonObjectRunFileIsAWarning() throws Exception {
        Path gen = Files.createDirectories(RunFiles.gen(dir, 0));
        TestFiles.mkfifo(gen.resolve(RunFiles.EVAL));
        Files.writeString(dir.resolve(RunFiles.RUN), "");
        Files.writeString(dir.resolve("state.json"), "[1]");
        List<String> warnings = new ArrayList<>();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> RunReader.read(dir, warnings));
        assertEquals(List.of(
                dir.resolve(RunFiles.RUN) + ": unreadable, using the directory name (empty, expected a JSON object)",
                dir.resolve("state.json") + ": unreadable (a JSON array, expected a JSON object)",
                gen.resolve(RunFiles.EVAL) + ": skipped, unreadable (not a regular file (a FIFO or device?), expected a file)"),
                warnings);
    }
}
