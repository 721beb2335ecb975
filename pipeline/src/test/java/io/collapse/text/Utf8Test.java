package io.collapse.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Expected strings are CPython 3.11's {@code bytes.fromhex(hex).decode("utf-8", "replace")}. */
class Utf8Test {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "eda080,       \uFFFD\uFFFD\uFFFD",  // surrogate: Java's own decoder gives two U+FFFD, Python three
        "e282,         \uFFFD",              // truncated 3-byte character: one
        "f09f98,       \uFFFD",
        "c328,         \uFFFD(",
        "e0a080,       \u0800",
        "f4908080,     \uFFFD\uFFFD\uFFFD\uFFFD",
        "ff41,         \uFFFDA",
        "e2282a,       \uFFFD(*",
        "f09f9880,     \uD83D\uDE00",
        "eda0f0e0eeec, \uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD",
    })
    void replacesMaximalSubpartsLikePython(String hex, String expected) {
        byte[] bytes = HexFormat.of().parseHex(hex);
        assertEquals(expected, Utf8.decodeReplacing(bytes, bytes.length));
    }
}
