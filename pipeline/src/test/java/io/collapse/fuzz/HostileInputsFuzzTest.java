package io.collapse.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.collapse.config.RunConfig;
import io.collapse.model.hf.Safetensors;
import io.collapse.model.hf.TorchPickle;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Coverage-guided fuzzing (Jazzer) of the three parsers a hostile file reaches first: the
 * safetensors header, the pickle in pytorch_model.bin, and the run config loader. The property:
 * every input parses or fails with the project's own exception (IOException, or
 * IllegalArgumentException from a record's validation) carrying a one-line message; anything else
 * — StackOverflowError, OutOfMemoryError, NullPointerException, IndexOutOfBounds, ArithmeticException
 * — escapes and fails the test.
 *
 * <p>Under {@code mvn verify} each target only replays its committed seeds (Jazzer's regression
 * mode), from src/test/resources/io/collapse/fuzz/HostileInputsFuzzTestInputs/&lt;method&gt;/. To
 * fuzz, see README "Tests": {@code JAZZER_FUZZ=1} and {@code -Djazzer.max_duration}.
 */
class HostileInputsFuzzTest {

    /** The whole file: 8-byte little-endian header length, JSON header, data. */
    @FuzzTest(maxDuration = "60s")
    void safetensors(byte[] file) throws IOException {
        parsesOrFailsInOneLine(write("model", ".safetensors", file), Safetensors::read);
    }

    /** The bytes as archive/data.pkl of a torch.save zip, so the fuzzer works on the pickle, not the zip. */
    @FuzzTest(maxDuration = "60s")
    void pickle(byte[] pkl) throws IOException {
        parsesOrFailsInOneLine(Files.createTempFile("pytorch_model", ".bin"), path -> {
            try (OutputStream out = Files.newOutputStream(path); ZipOutputStream zip = new ZipOutputStream(out)) {
                zip.putNextEntry(new ZipEntry("archive/data.pkl"));
                zip.write(pkl);
                zip.closeEntry();
            }
            TorchPickle.read(path);
        });
    }

    /** A run config: strict JSON, then the records' validation. */
    @FuzzTest(maxDuration = "60s")
    void runConfig(byte[] json) throws IOException {
        parsesOrFailsInOneLine(write("run", ".json", json), path -> RunConfig.load(path, List.of()));
    }

    /** A parser's run on one file. */
    private interface Parse {
        void read(Path path) throws IOException;
    }

    /** {@code parse} reads {@code path} or fails with a one-line message; the file is deleted either way. */
    private static void parsesOrFailsInOneLine(Path path, Parse parse) throws IOException {
        try {
            parse.read(path);
        } catch (IOException | IllegalArgumentException e) {
            assertOneLine(e);
        } finally {
            Files.delete(path);
        }
    }

    private static Path write(String prefix, String suffix, byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(prefix, suffix), bytes);
    }

    /** The CLI prints the message after "error: "; a second line would be a leaked library excerpt. */
    private static void assertOneLine(Exception e) {
        String message = String.valueOf(e.getMessage());
        assertFalse(message.contains("\n") || message.contains("\r"), () -> "two lines: " + message);
    }
}
