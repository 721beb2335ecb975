package io.collapse.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Issue 15's careless and hostile configs: each refused in one line naming the file, the field and what was expected. */
class StrictJsonTest {

    @TempDir Path dir;

    private static final Path SMOKE = Path.of(System.getProperty("collapse.repo", ".")).resolve("configs/smoke.json");

    /** The smoke config with its text {@code from} replaced by {@code to}: refused, the message holding {@code expected}. */
    @ParameterizedTest(name = "{0}")
    @MethodSource
    void aCarelessRunConfigIsRefused(String what, String from, String to, String expected) throws IOException {
        String text = Files.readString(SMOKE);
        assertTrue(text.contains(from), from);
        Path file = dir.resolve("run.json");
        Files.writeString(file, text.replace(from, to));
        IOException e = assertThrows(IOException.class, () -> RunConfig.load(file, List.of()));
        assertOneLineNamingTheFile(e, file);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    static Stream<Arguments> aCarelessRunConfigIsRefused() {
        String device = "\"device\": {\"device\": \"cpu\"}";
        return Stream.of(
                Arguments.of("trailing content after the config", device + "\n}", device + "\n}\n{}",
                        "unexpected content after the JSON value at line"),
                Arguments.of("trailing garbage after the config", device + "\n}", device + "\n} garbage", "not valid JSON at line"),
                Arguments.of("a duplicate key", "\"epochs\": 2,", "\"epochs\": 2, \"epochs\": 3,", "Duplicate field 'epochs'"),
                Arguments.of("a fraction where an integer belongs", "\"epochs\": 2,", "\"epochs\": 2.7,",
                        "train.epochs: expected an integer in [-2147483648, 2147483647], got 2.7"),
                Arguments.of("an int overflow", "\"epochs\": 2,", "\"epochs\": 2147483648,",
                        "train.epochs: expected an integer in [-2147483648, 2147483647], got 2147483648"),
                Arguments.of("a value out of its set's range", "\"sample_prompt_tokens\": 8",
                        "\"sample_prompt_tokens\": 8, \"corpus_batch\": 1073741824",
                        "experiment.corpus_batch must lie in [1, 65536], got 1073741824"),
                Arguments.of("more generations than any run could do (status would walk them all)", "\"generations\": 2,",
                        "\"generations\": 1000000000,",
                        "experiment.generations must lie in [1, 1000], got 1000000000"),
                Arguments.of("deep nesting, refused without a crash", device, "\"device\": " + "[".repeat(100_000),
                        "nested more than 64 levels deep"),
                Arguments.of("a number of 2,000 digits, not called nesting", "\"epochs\": 2,", "\"epochs\": 1" + "0".repeat(1999) + ",",
                        "Number value length (2000) exceeds the maximum allowed (1000)"));
    }

    @Test
    void hfConfigErrorsNameTheFileAndFieldWithoutJacksonText() throws IOException {
        Path file = dir.resolve("config.json");
        String valid = "{\"vocab_size\": 64, \"hidden_size\": 16, \"num_hidden_layers\": 1, \"ffn_dim\": 32,"
                + " \"num_attention_heads\": 2, \"max_position_embeddings\": 32}";
        Files.writeString(file, valid);
        LmConfig.read(file);
        for (String[] c : new String[][] {
                {"\"max_position_embeddings\": 32", "\"max_position_embeddings\": 2147483647",
                        "config: max_position_embeddings must lie in [1, 1048576], got 2147483647"},
                {"\"hidden_size\": 16", "\"hidden_size\": 64.9", "hidden_size: expected an integer"},
                {"\"hidden_size\": 16", "\"hidden_size\": \"big\"", "hidden_size: expected an integer"},
                {"{", "not json {", "not valid JSON at line 1"},
                // Where Jackson would name its source and its own settings.
                {"32}", "[32", "Unexpected end-of-input: expected close marker for Array (start marker at line: 1, column: "},
                {"64,", "NaN,", "Non-standard token 'NaN'"},
                {"{", "{ // a comment\n", "Unexpected character ('/' (code 47)): maybe a (non-standard) comment?"}}) {
            Files.writeString(file, valid.replace(c[0], c[1]));
            IOException e = assertThrows(IOException.class, () -> LmConfig.read(file));
            assertOneLineNamingTheFile(e, file);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
    }

    static void assertOneLineNamingTheFile(IOException e, Path file) {
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString()), m);
        assertFalse(m.contains("\n") || m.contains("io.collapse") || m.contains("com.fasterxml") || m.contains("[Source")
                || m.contains("`"), m);
        assertNull(e.getCause(), "a cause would add Jackson's text to the printed line: " + e.getCause());
    }
}
