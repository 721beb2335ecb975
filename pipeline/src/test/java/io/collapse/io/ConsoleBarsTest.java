package io.collapse.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import me.tongfei.progressbar.ProgressBar;
import org.junit.jupiter.api.Test;

/** Under a scheduler (no console, as in this test JVM) progress is plain lines, never redraws. */
class ConsoleBarsTest {

    @Test
    void withoutATerminalProgressIsPlainLinesWithoutCarriageReturns() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (ProgressBar bar = ConsoleBars.builder("corpus", 100, " blocks", 1, out).build()) {
            for (int i = 1; i <= 100; i++) {
                bar.stepTo(i);
            }
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("\r"), text);
        assertTrue(text.contains("corpus") && text.contains("100/100"), text);
        assertTrue(text.lines().count() <= 3, "one line at the start and one at the end, not one per step:\n" + text);
    }
}
