package io.collapse.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2 byte-level BPE, as HF's slow {@code GPT2Tokenizer} runs it: the text is cut into pieces by
 * GPT-2's regex, each piece's UTF-8 bytes are mapped to printable characters
 * ({@code bytes_to_unicode}), and merges are applied lowest rank first. Special tokens are handled
 * by the caller; this class sees plain text only. Thread-safe.
 */
final class ByteLevelBpe {

    /**
     * GPT-2's pre-tokenizer pattern. {@code \s}, {@code \p{L}}, {@code \p{N}} are Unicode classes
     * as in Python's {@code regex} module ({@code \s} = White_Space), hence UNICODE_CHARACTER_CLASS.
     * Java 17 knows Unicode 13: characters assigned later (~14k code points, mostly recent CJK ideographs)
     * are not letters here, so such text may split differently from a newer Python; wikitext-2 has none.
     */
    private static final Pattern PIECES = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** Pieces seen so far → ids; wikitext has ~70k distinct pieces, so this stays small. */
    private static final int CACHE_LIMIT = 500_000;

    /** bytes_to_unicode: byte value → the printable character standing for it in the vocabulary. */
    static final char[] BYTE_TO_CHAR = bytesToUnicode();

    /** (left id, right id) → rank and merged id: {@code merges.get(pair(l, r))} = {rank, id}. */
    private final Map<Long, int[]> merges;
    private final int[] byteIds = new int[256];
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocab  token string → id
     * @param merges merge pairs in rank order; every pair's concatenation must be in the vocab
     * @throws IllegalArgumentException naming the first byte character or merge that the vocab lacks
     */
    ByteLevelBpe(Map<String, Integer> vocab, List<String[]> merges) {
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(BYTE_TO_CHAR[b]));
            if (id == null) {
                throw new IllegalArgumentException(String.format(
                        "vocabulary lacks the byte-level token '%c' for byte 0x%02X", BYTE_TO_CHAR[b], b));
            }
            byteIds[b] = id;
        }
        this.merges = new HashMap<>(merges.size() * 2);
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] m = merges.get(rank);
            Integer left = vocab.get(m[0]);
            Integer right = vocab.get(m[1]);
            Integer merged = vocab.get(m[0] + m[1]);
            if (left == null || right == null || merged == null) {
                throw new IllegalArgumentException("merge " + (rank + 1) + " '" + m[0] + " " + m[1]
                        + "' uses or makes a token that is not in the vocabulary");
            }
            // A pair listed twice keeps its first (lowest) rank, as the slow tokenizer's dict does.
            this.merges.putIfAbsent(pair(left, right), new int[] {rank, merged});
        }
    }

    /** Ids of plain text (no special-token handling). */
    void encode(String text, IntList out) {
        Matcher m = PIECES.matcher(text);
        while (m.find()) {
            String piece = m.group();
            int[] ids = cache.get(piece);
            if (ids == null) {
                ids = bpe(piece);
                if (cache.size() < CACHE_LIMIT) {
                    cache.put(piece, ids);
                }
            }
            out.addAll(ids);
        }
    }

    /** Merges one piece's byte tokens, always the lowest-ranked adjacent pair first (GPT-2's {@code bpe}). */
    private int[] bpe(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        int[] sym = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            sym[i] = byteIds[bytes[i] & 0xFF];
        }
        int n = sym.length;
        while (n > 1) {
            int bestRank = Integer.MAX_VALUE;
            int bestId = -1;
            int bestLeft = -1;
            int bestRight = -1;
            for (int i = 0; i + 1 < n; i++) {
                int[] rm = merges.get(pair(sym[i], sym[i + 1]));
                if (rm != null && rm[0] < bestRank) {
                    bestRank = rm[0];
                    bestId = rm[1];
                    bestLeft = sym[i];
                    bestRight = sym[i + 1];
                }
            }
            if (bestId < 0) {
                break;
            }
            // Merge every occurrence of the best pair, left to right, without overlap.
            int w = 0;
            for (int i = 0; i < n; i++) {
                if (i + 1 < n && sym[i] == bestLeft && sym[i + 1] == bestRight) {
                    sym[w++] = bestId;
                    i++;
                } else {
                    sym[w++] = sym[i];
                }
            }
            n = w;
        }
        return Arrays.copyOf(sym, n);
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static char[] bytesToUnicode() {
        char[] map = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int next = 256;
        for (int b = 0; b < 256; b++) {
            map[b] = printable[b] ? (char) b : (char) next++;
        }
        return map;
    }
}
