package io.collapse.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.config.StrictJson;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Turns file content into examples, the way HuggingFace {@code datasets} presents them. */
public final class Examples {

    /** Strict: a line with more after its object ({@code {"text": "a"}{"text": "b"}}) is refused, not half read. */
    private static final ObjectMapper JSON = StrictJson.MAPPER;

    private Examples() {}

    /**
     * One example per line, as HF's wikitext script yields them: Python reads the file in text mode
     * ({@code \r\n} and {@code \r} become {@code \n}); a line of whitespace only ({@code str.isspace})
     * becomes {@code ""}; any other line is kept verbatim with its trailing {@code "\n"} (the last line
     * has none when the file does not end with one).
     */
    public static List<String> fromText(String content) {
        String text = content.indexOf('\r') < 0 ? content : content.replace("\r\n", "\n").replace('\r', '\n');
        List<String> examples = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl + 1;
            String line = text.substring(start, end);
            examples.add(isBlank(line) ? "" : line);
            start = end;
        }
        return examples;
    }

    /**
     * One JSON object per line, the example its string field {@code text}, used verbatim. Lines of
     * whitespace only are skipped, as JSON-lines readers do.
     *
     * @param file names the file in error messages
     */
    public static List<String> fromJsonl(String content, String file) {
        List<String> examples = new ArrayList<>();
        String[] lines = content.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (isBlank(lines[i])) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(lines[i]);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(
                        file + " line " + (i + 1) + ": " + StrictJson.describe(e));
            }
            JsonNode text = node == null ? null : node.get("text");
            if (node == null || !node.isObject() || text == null || !text.isTextual()) {
                throw new IllegalArgumentException(file + " line " + (i + 1)
                        + ": expected a JSON object with a string field \"text\", got " + abbreviate(lines[i]));
            }
            int bad = loneSurrogate(text.textValue());
            if (bad >= 0) {
                // JSON's \\uD800 escapes decode to half a character, which has no UTF-8; HF's tokenizers refuse it.
                throw new IllegalArgumentException(String.format("%s line %d: \"text\" holds a lone surrogate \\u%04X at"
                        + " character %d; expected Unicode text", file, i + 1, (int) text.textValue().charAt(bad), bad));
            }
            examples.add(text.textValue());
        }
        return examples;
    }

    /** The index of the first surrogate char without its other half, or -1. */
    private static int loneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /** Strict UTF-8, as Python's {@code open(encoding="utf-8")}: a bad byte is an error naming the file. */
    public static String decodeUtf8(byte[] content, String file) {
        // The String constructor is fast but replaces bad bytes with U+FFFD; only text that has one
        // (bad bytes, or a real U+FFFD) pays for the strict decoder, which tells the two apart.
        String fast = new String(content, StandardCharsets.UTF_8);
        if (fast.indexOf('\uFFFD') < 0) {
            return fast;
        }
        CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(content);
        CharBuffer out = CharBuffer.allocate(content.length); // a UTF-8 byte makes at most one char
        CoderResult result = strict.decode(in, out, true);
        if (!result.isError()) {
            result = strict.flush(out);
        }
        if (result.isError()) {
            throw new IllegalArgumentException(String.format("%s: not valid UTF-8 at byte %,d (0x%02X); expected UTF-8 text",
                    file, in.position(), content[in.position()] & 0xFF));
        }
        return out.flip().toString();
    }

    /** Python's {@code not line.strip()}: empty, or only characters for which {@code str.isspace()} holds. */
    static boolean isBlank(String line) {
        return line.codePoints().allMatch(Examples::isPythonSpace);
    }

    /** {@code str.isspace}: Unicode category Zs, or bidirectional class WS, B or S. */
    private static boolean isPythonSpace(int cp) {
        if (Character.getType(cp) == Character.SPACE_SEPARATOR) {
            return true;
        }
        byte dir = Character.getDirectionality(cp);
        return dir == Character.DIRECTIONALITY_WHITESPACE
                || dir == Character.DIRECTIONALITY_PARAGRAPH_SEPARATOR
                || dir == Character.DIRECTIONALITY_SEGMENT_SEPARATOR;
    }

    private static String abbreviate(String line) {
        return line.length() <= 80 ? line : line.substring(0, 77) + "...";
    }
}
