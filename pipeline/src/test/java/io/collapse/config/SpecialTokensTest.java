package io.collapse.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
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
        assertEquals(OptionalInt.empty(), none.padOrEos(), "neither: nothing ends early, nothing is padded");
        assertEquals(OptionalInt.of(21), read("{\"eos_token_id\": [21, 2]}").padOrEos(), "no pad: the first eos, as HF");
        assertEquals(OptionalInt.of(7), read("{\"eos_token_id\": [21, 2], \"pad_token_id\": 7}").padOrEos());
        assertEquals(new SpecialTokens(List.of(), 7), read("{\"pad_token_id\": 7}"), "a pad id and no eos");
    }

    /** A repeated id counts once, the first place kept (the first eos pads); a long list of repeats costs one id. */
    @Test
    void aRepeatedEosIdCountsOnce() throws IOException {
        assertEquals(List.of(21, 2, 3), new SpecialTokens(List.of(21, 2, 21, 2, 3), null).eosTokenIds());
        String repeats = String.join(",", java.util.Collections.nCopies(100_000, "2"));
        assertEquals(new SpecialTokens(List.of(2), null), read("{\"eos_token_id\": [" + repeats + "]}"));
    }

    @Test
    void refusalsNameTheFileAndField() {
        Path file = dir.resolve("generation_config.json");
        assertMessage(file + ": eos_token_id []: expected a token id or a list of them", "{\"eos_token_id\": []}");
        assertMessage(file + ": eos_token_id [2, null]: expected a token id or a list of them", "{\"eos_token_id\": [2, null]}");
        assertMessage(file + ": config: special token id 1000 (pad/bos/eos) must lie in [0, vocab_size=1000)",
                "{\"eos_token_id\": [2, 1000]}");
        assertMessage(file + ": eos_token_id.[0]: expected an integer in [-2147483648, 2147483647], got x", "{\"eos_token_id\": \"x\"}");
        assertMessage(file + ": pad_token_id: expected an integer in [-2147483648, 2147483647], got 1.5", "{\"pad_token_id\": 1.5}");
        assertMessage(file + ": expected an object", "[2]");
        assertMessage(file + ": expected an object, got null", "null");
        assertThrows(IllegalArgumentException.class, () -> new SpecialTokens(List.of(-1), null));
    }

    private void assertMessage(String expected, String json) {
        assertEquals(expected, assertThrows(IOException.class, () -> read(json)).getMessage());
    }
}
