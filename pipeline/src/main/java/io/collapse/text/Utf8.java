package io.collapse.text;

/**
 * UTF-8 decoding with Python's {@code bytes.decode("utf-8", errors="replace")} semantics, which
 * the HF tokenizer's {@code errors="replace"} uses. Java's own decoder differs on some ill-formed
 * input (e.g. a surrogate lead {@code ED A0}: one U+FFFD in Java, two in Python), so byte-level
 * BPE output that is not valid UTF-8 (a model may emit half a character) is decoded here.
 */
final class Utf8 {

    private static final char REPLACEMENT = '\uFFFD';

    private Utf8() {
    }

    /**
     * Decodes {@code bytes[0, length)}; every maximal ill-formed subpart (Unicode 15, 3.9 U+FFFD
     * substitution of maximal subparts, which CPython follows) becomes one U+FFFD.
     */
    static String decodeReplacing(byte[] bytes, int length) {
        StringBuilder out = new StringBuilder(length);
        int i = 0;
        while (i < length) {
            int b0 = bytes[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need;      // continuation bytes after the lead
            int lo = 0x80; // allowed range of the first continuation byte
            int hi = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                if (b0 == 0xE0) {
                    lo = 0xA0; // no overlong forms
                } else if (b0 == 0xED) {
                    hi = 0x9F; // no surrogates
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                if (b0 == 0xF0) {
                    lo = 0x90;
                } else if (b0 == 0xF4) {
                    hi = 0x8F; // nothing above U+10FFFF
                }
            } else {
                out.append(REPLACEMENT); // 80..C1, F5..FF never start a character
                i++;
                continue;
            }
            int cp = b0 & (0x3F >> need);
            int j = i + 1;
            boolean complete = true;
            for (int k = 0; k < need; k++, j++) {
                int bk = j < length ? bytes[j] & 0xFF : -1;
                int min = k == 0 ? lo : 0x80;
                int max = k == 0 ? hi : 0xBF;
                if (bk < min || bk > max) {
                    complete = false;
                    break;
                }
                cp = (cp << 6) | (bk & 0x3F);
            }
            if (complete) {
                out.appendCodePoint(cp);
            } else {
                out.append(REPLACEMENT); // the valid prefix [i, j) is one maximal subpart
            }
            i = j;
        }
        return out.toString();
    }
}
