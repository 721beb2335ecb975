package io.collapse.text;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
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

    /** Refuses a vocabulary without a token for every byte: byte-level BPE spells any text with them. */
    static void requireByteTokens(Map<String, Integer> vocab) {
        for (int b = 0; b < 256; b++) {
            if (!vocab.containsKey(String.valueOf(BYTE_TO_CHAR[b]))) {
                throw new IllegalArgumentException(String.format(
                        "vocabulary lacks the byte-level token '%c' for byte 0x%02X", BYTE_TO_CHAR[b], b));
            }
        }
    }

    /**
     * @param vocab  token string → id
     * @param merges merge pairs in rank order; every pair's concatenation must be in the vocab
     * @throws IllegalArgumentException naming the first byte character or merge that the vocab lacks
     */
    ByteLevelBpe(Map<String, Integer> vocab, List<String[]> merges) {
        requireByteTokens(vocab);
        for (int b = 0; b < 256; b++) {
            byteIds[b] = vocab.get(String.valueOf(BYTE_TO_CHAR[b]));
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

    /**
     * Merges one piece's byte tokens, always the lowest-ranked adjacent pair first and, among equal
     * ranks, the leftmost (GPT-2's {@code bpe}, as tokenizers' BPE runs it). A heap of (rank,
     * position) keeps this O(n log n): rescanning the piece after every merge made one 400,000-letter
     * "word" take 54 s. A merge's new pairs rank after it (BPE learns a token before any merge that
     * uses it), so this is GPT-2's round-by-round order too.
     */
    private int[] bpe(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        int n = bytes.length;
        int[] sym = new int[n];
        int[] next = new int[n]; // index of the next live symbol, n at the end
        int[] prev = new int[n]; // index of the previous live symbol, -1 at the start
        for (int i = 0; i < n; i++) {
            sym[i] = byteIds[bytes[i] & 0xFF];
            next[i] = i + 1;
            prev[i] = i - 1;
        }
        PriorityQueue<long[]> heap = new PriorityQueue<>((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
        for (int i = 0; i + 1 < n; i++) {
            offer(heap, sym, i, i + 1);
        }
        int live = n;
        while (!heap.isEmpty()) {
            long[] top = heap.poll(); // {rank, left index}
            int i = (int) top[1];
            int j = next[i]; // a merged-away left symbol holds -1, which no pair has
            int[] rm = j < n ? merges.get(pair(sym[i], sym[j])) : null;
            if (rm == null || rm[0] != top[0]) {
                continue; // stale: a symbol of this pair was merged since
            }
            sym[i] = rm[1];
            sym[j] = -1;
            live--;
            next[i] = next[j];
            if (next[j] < n) {
                prev[next[j]] = i;
            }
            if (prev[i] >= 0) {
                offer(heap, sym, prev[i], i);
            }
            if (next[i] < n) {
                offer(heap, sym, i, next[i]);
            }
        }
        int[] out = new int[live];
        for (int i = 0, k = 0; i < n; i = next[i]) {
            out[k++] = sym[i];
        }
        return out;
    }

    private void offer(PriorityQueue<long[]> heap, int[] sym, int left, int right) {
        int[] rm = merges.get(pair(sym[left], sym[right]));
        if (rm != null) {
            heap.add(new long[] {rm[0], left});
        }
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
