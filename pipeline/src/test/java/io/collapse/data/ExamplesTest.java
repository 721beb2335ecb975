package io.collapse.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExamplesTest {

    @Test
    void linesFollowHfWikitextSemantics() {
        String content = " \n = Title = \n \n Some text , here .\n\t \n\u00a0\n\u200b\nlast without newline";
        List<String> examples = Examples.fromText(content);
        assertEquals(List.of("", " = Title = \n", "", " Some text , here .\n", "", "", "\u200b\n", "last without newline"),
                examples);
    }

    @Test
    void carriageReturnsBecomeNewlinesAsInPythonTextMode() {
        assertEquals(List.of("a\n", "b\n", "", "c\n"), Examples.fromText("a\r\nb\r \r\nc\r"));
    }

    @Test
    void emptyContentHasNoExamplesAndTrailingNewlineAddsNone() {
        assertEquals(List.of(), Examples.fromText(""));
        assertEquals(List.of("", "x\n"), Examples.fromText("\nx\n"));
    }

    @Test
    void jsonlTakesTextVerbatimAndSkipsBlankLines() {
        String content = "{\"text\": \" a\\n\", \"id\": 1}\n\n{\"text\": \"\"}\r\n  \n{\"text\": \"b\"}";
        assertEquals(List.of(" a\n", "", "b"), Examples.fromJsonl(content, "c.jsonl"));
    }

    @Test
    void jsonlErrorsNameFileAndLine() {
        var notJson = assertThrows(IllegalArgumentException.class,
                () -> Examples.fromJsonl("{\"text\": \"a\"}\n{\"text\": oops}\n", "c.jsonl"));
        assertTrue(notJson.getMessage().startsWith("c.jsonl line 2: not valid JSON"), notJson.getMessage());
        // More after the object is refused, not dropped: "b" would have been lost, the garbage ignored.
        for (String trailing : List.of("{\"text\": \"a\"}{\"text\": \"b\"}", "{\"text\": \"a\"} garbage")) {
            var more = assertThrows(IllegalArgumentException.class, () -> Examples.fromJsonl(trailing + "\n", "c.jsonl"));
            assertTrue(more.getMessage().startsWith("c.jsonl line 1: "), more.getMessage());
        }
        var noText = assertThrows(IllegalArgumentException.class,
                () -> Examples.fromJsonl("{\"text\": \"a\"}\n\n{\"body\": \"x\"}\n", "c.jsonl"));
        assertTrue(noText.getMessage().startsWith("c.jsonl line 3: expected a JSON object with a string field \"text\""),
                noText.getMessage());
        var notString = assertThrows(IllegalArgumentException.class, () -> Examples.fromJsonl("{\"text\": 5}", "c.jsonl"));
        assertTrue(notString.getMessage().startsWith("c.jsonl line 1:"), notString.getMessage());
        var array = assertThrows(IllegalArgumentException.class, () -> Examples.fromJsonl("[\"text\"]", "c.jsonl"));
        assertTrue(array.getMessage().startsWith("c.jsonl line 1:"), array.getMessage());
    }

    @Test
    void aLoneSurrogateIsRefusedAndAPairIsText() {
        var e = assertThrows(IllegalArgumentException.class, () -> Examples.fromJsonl("{\"text\": \"ab\\ud800c\"}\n", "s.jsonl"));
        assertEquals("s.jsonl line 1: \"text\" holds a lone surrogate \\uD800 at character 2; expected Unicode text", e.getMessage());
        assertEquals(List.of("a\uD83D\uDE00"), Examples.fromJsonl("{\"text\": \"a\\ud83d\\ude00\"}\n", "p.jsonl"));
    }

    @Test
    void invalidUtf8NamesTheFile() {
        byte[] bad = {'a', (byte) 0xff, 'b'};
        var e = assertThrows(IllegalArgumentException.class, () -> Examples.decodeUtf8(bad, "x.txt"));
        assertEquals("x.txt: not valid UTF-8 at byte 1 (0xFF); expected UTF-8 text", e.getMessage());
        assertEquals("é", Examples.decodeUtf8("é".getBytes(StandardCharsets.UTF_8), "y.txt"));
        // a real U+FFFD in valid UTF-8 is text, not an error
        assertEquals("a\uFFFDb", Examples.decodeUtf8("a\uFFFDb".getBytes(StandardCharsets.UTF_8), "z.txt"));
        byte[] badWithReplacement = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD, (byte) 0xC3};
        assertThrows(IllegalArgumentException.class, () -> Examples.decodeUtf8(badWithReplacement, "w.txt"));
    }
}
