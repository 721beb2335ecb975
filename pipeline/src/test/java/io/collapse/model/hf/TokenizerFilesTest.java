package io.collapse.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerFilesTest {

    @TempDir Path tmp;

    @Test
    void theBundledFilesAreTheBpeLayoutAndWriteBackByteForByte() throws IOException {
        TokenizerFiles bundled = TokenizerFiles.bundled();
        assertEquals(List.of(TokenizerFiles.VOCAB_JSON, TokenizerFiles.MERGES_TXT), bundled.modelFiles());
        assertFalse(bundled.isTokenizerJson());
        bundled.writeTo(tmp);
        TokenizerFiles reread = TokenizerFiles.read(tmp);
        for (String name : TokenizerFiles.BPE_LAYOUT) {
            assertArrayEquals(bundled.bytes(name), Files.readAllBytes(tmp.resolve(name)), name);
        }
        assertFalse(reread.has(TokenizerFiles.TOKENIZER_JSON));
        assertEquals(bundled.fingerprint(TokenizerSettings.OPT), reread.fingerprint(TokenizerSettings.OPT));
        assertEquals(TokenizerFiles.ALL.subList(0, TokenizerFiles.BPE_LAYOUT.size()), TokenizerFiles.BPE_LAYOUT);
    }

    @Test
    void filesOverrideOnlyTheKeysTheyGive() throws IOException {
        Files.writeString(tmp.resolve(TokenizerFiles.TOKENIZER_CONFIG_JSON), "{\"add_bos_token\": false}");
        Files.writeString(tmp.resolve(TokenizerFiles.SPECIAL_TOKENS_MAP_JSON), "{\"pad_token\": \"<p>\"}");
        TokenizerSettings settings = TokenizerFiles.read(tmp).settings(TokenizerSettings.OPT);
        assertFalse(settings.addBosToken(), "the file read wins over the default");
        assertEquals("<p>", settings.padToken());
        assertEquals("</s>", settings.bosToken(), "keys no file gives keep the defaults");
    }

    @Test
    void neitherLayoutIsNamedWhenTheModelFilesAreAskedFor() throws IOException {
        Files.writeString(tmp.resolve(TokenizerFiles.VOCAB_JSON), "{\"a\": 0}");
        TokenizerFiles files = TokenizerFiles.read(tmp);
        CheckpointException e = assertThrows(CheckpointException.class, files::modelFiles);
        assertTrue(e.getMessage().contains("no tokenizer.json and no vocab.json + merges.txt; found [vocab.json]"), e.getMessage());
        assertThrows(CheckpointException.class, () -> TokenizerFiles.read(tmp.resolve(TokenizerFiles.VOCAB_JSON)));
    }

    @Test
    void filesThatAreNotWhatTheyShouldBeAreNamedInOneLine() throws IOException {
        for (String text : List.of("[]", "null", "3", "")) {
            Files.writeString(tmp.resolve(TokenizerFiles.TOKENIZER_JSON), text);
            CheckpointException e = assertThrows(CheckpointException.class, () -> TokenizerFiles.read(tmp).tokenizerJson());
            assertTrue(e.getMessage().startsWith(tmp.resolve(TokenizerFiles.TOKENIZER_JSON) + ": expected a JSON object, got "),
                    text + ": " + e.getMessage());
        }
        Files.writeString(tmp.resolve(TokenizerFiles.TOKENIZER_JSON), "{\"model\": {\"vocab\": {\"a\": 0, \"b\": 1000000000000}}}");
        CheckpointException big = assertThrows(CheckpointException.class,
                () -> TokenizerFiles.read(tmp).tokenizerJsonVocab(TokenizerFiles.read(tmp).tokenizerJson()));
        assertTrue(big.getMessage().endsWith("token 'b' has id 1000000000000; expected an integer id"), big.getMessage());
        for (String text : List.of("null", "{\"a\": 0, \"b\": null}")) {
            Files.writeString(tmp.resolve(TokenizerFiles.VOCAB_JSON), text);
            CheckpointException e = assertThrows(CheckpointException.class, () -> TokenizerFiles.read(tmp).vocabJson());
            assertTrue(e.getMessage().startsWith(tmp.resolve(TokenizerFiles.VOCAB_JSON) + ": expected a JSON object of token → id, got null"),
                    text + ": " + e.getMessage());
        }
    }

    @Test
    void anEmptySpecialTokenIsRefusedNamingItsFile() throws IOException {
        Files.writeString(tmp.resolve(TokenizerFiles.SPECIAL_TOKENS_MAP_JSON), "{\"eos_token\": {\"content\": \"\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> TokenizerFiles.read(tmp).settings(TokenizerSettings.OPT));
        assertEquals(tmp.resolve(TokenizerFiles.SPECIAL_TOKENS_MAP_JSON) + ": eos_token is \"\"; expected a non-empty token", e.getMessage());
    }

    @Test
    void mergesReadTheSameWithWindowsLineEnds() throws IOException {
        Files.writeString(tmp.resolve(TokenizerFiles.MERGES_TXT), "#version: 0.2\na b\nab c\n");
        List<String[]> unix = TokenizerFiles.read(tmp).merges();
        Files.writeString(tmp.resolve(TokenizerFiles.MERGES_TXT), "#version: 0.2\r\na b\r\nab c\r\n");
        List<String[]> windows = TokenizerFiles.read(tmp).merges();
        assertEquals(2, windows.size());
        for (int i = 0; i < unix.size(); i++) {
            assertArrayEquals(unix.get(i), windows.get(i));
        }
    }

    @Test
    void aFolderOrDanglingLinkWhereAFileBelongsIsRefusedNotSkipped() throws IOException {
        Files.createDirectory(tmp.resolve(TokenizerFiles.TOKENIZER_CONFIG_JSON));
        IOException e = assertThrows(IOException.class, () -> TokenizerFiles.read(tmp));
        assertEquals(tmp.resolve(TokenizerFiles.TOKENIZER_CONFIG_JSON) + ": a folder; expected a file", e.getMessage());
        Files.delete(tmp.resolve(TokenizerFiles.TOKENIZER_CONFIG_JSON));

        Files.createSymbolicLink(tmp.resolve(HfModelDir.GENERATION_CONFIG), tmp.resolve("nowhere.json"));
        e = assertThrows(IOException.class, () -> HfModelDir.specialTokens(tmp, null));
        assertTrue(e.getMessage().endsWith(": a link to nothing (or a loop of links); expected a file"), e.getMessage());
        Files.createSymbolicLink(tmp.resolve(HfModelDir.CONFIG), tmp.resolve("nowhere.json"));
        e = assertThrows(IOException.class, () -> HfModelDir.read(tmp));
        assertEquals(tmp.resolve(HfModelDir.CONFIG) + ": a link to nothing (or a loop of links); expected a file", e.getMessage());
    }
}
