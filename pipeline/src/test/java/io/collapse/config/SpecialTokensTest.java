package io.collapse.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** generation_config.json's eos and pad ids, as transformers' generate reads them; bad ones refused naming file and field. */
class SpecialTokensTest {

    @TempDir Path dir;

    private SpecialTokens read(String json) throws IOException {
        return SpecialTokens.read(Files.writeString(dir.resolve("generation_config.json"), json), 1000);
    }

    @Test
    void oneIdAListOrNone() throws IOException {
        assertEquals(new SpecialTokens(List.of(2), null), read("{\"eos_token_id\": 2, \"do_sample\": true}"));
        assertEquals(new SpecialTokens(List.of(21, 2), 7), read("{\"eos_token_id\": [21, 2], \"pad_token_id\": 7}"));
        SpecialTokens none = read("{\"bos_token_id\": 1, \"eos_token_id\": null}");
        assertEquals(new SpecialTokens(List.of(), null), none);
        assertEquals("config: the model has neither pad_token_id nor eos_token_id",
                assertThrows(IllegalArgumentException.class, none::padOrEos).getMessage());
        assertEquals(21, read("{\"eos_token_id\": [21, 2]}").padOrEos(), "no pad: the first eos, as HF");
        assertEquals(new SpecialTokens(List.of(), 7), read("{\"pad_token_id\": 7}"), "a pad id and no eos");
    }

    @Test
    void refusalsNameTheFileAndField() {
        Path file = dir.resolve("generation_config.json");
        assertMessage(file + ": eos_token_id []: expected a token id or a list of them", "{\"eos_token_id\": []}");
        assertMessage(file + ": eos_token_id 1000: expected a token id in [0, vocab_size=1000)", "{\"eos_token_id\": [2, 1000]}");
        assertMessage(file + ": eos_token_id \"2\": expected a token id in [0, vocab_size=1000)", "{\"eos_token_id\": \"2\"}");
        assertMessage(file + ": pad_token_id 1.5: expected a token id in [0, vocab_size=1000)", "{\"pad_token_id\": 1.5}");
        assertMessage(file + ": expected a JSON object", "[2]");
    }

    private void assertMessage(String expected, String json) {
        assertEquals(expected, assertThrows(IOException.class, () -> read(json)).getMessage());
    }
}
