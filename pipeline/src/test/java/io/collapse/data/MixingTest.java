package io.collapse.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MixingTest {

    /** n blocks of t ids; block i holds base + i in every position. */
    private static TokenBlocks corpus(int n, int t, int base) {
        int[] ids = new int[n * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = base + i / t;
        }
        return TokenBlocks.of(ids, t);
    }

    /** Positions whose block came from the original corpus (ids below 1000). */
    private static List<Integer> originalPositions(TokenBlocks mixed) {
        List<Integer> pos = new ArrayList<>();
        for (int i = 0; i < mixed.numBlocks(); i++) {
            int[] b = mixed.block(i);
            if (b[0] < 1000) {
                assertEquals(i, b[0], "original block i lands at position i");
                pos.add(i);
            } else {
                assertEquals(1000 + i, b[0], "synthetic block i stays at position i");
            }
        }
        return pos;
    }

    @Test
    void keepsRoundPNOriginalBlocksAtTheirPositions() {
        TokenBlocks original = corpus(95, 4, 0);
        TokenBlocks synthetic = corpus(95, 4, 1000);
        TokenBlocks mixed = Mixing.keepOriginal(original, synthetic, 0.1, 7);
        assertEquals(95, mixed.numBlocks());
        assertEquals(4, mixed.blockSize());
        List<Integer> kept = originalPositions(mixed);
        assertEquals(Math.round(0.1 * 95), kept.size()); // 9.5 rounds to 10
        assertEquals(kept, originalPositions(Mixing.keepOriginal(original, synthetic, 0.1, 7)), "same seed, same sample");
        assertNotEquals(kept, originalPositions(Mixing.keepOriginal(original, synthetic, 0.1, 8)), "new seed, fresh sample");
    }

    @Test
    void extremesAreAllSyntheticOrAllOriginal() {
        TokenBlocks original = corpus(20, 3, 0);
        TokenBlocks synthetic = corpus(20, 3, 1000);
        assertEquals(synthetic.idsSha256(), Mixing.keepOriginal(original, synthetic, 0.0, 1).idsSha256());
        assertEquals(original.idsSha256(), Mixing.keepOriginal(original, synthetic, 1.0, 1).idsSha256());
    }

    @Test
    void sampleIsDistinctAndCoversEverything() {
        int[] all = Mixing.sample(50, 50, 3);
        Set<Integer> seen = new HashSet<>();
        for (int i : all) {
            assertTrue(i >= 0 && i < 50);
            seen.add(i);
        }
        assertEquals(50, seen.size());
        assertArrayEquals(Mixing.sample(50, 5, 3), java.util.Arrays.copyOf(all, 5), "a prefix of the same draw");
    }

    /** Each generation passes the next seed: its kept blocks must not follow the previous generation's. */
    @Test
    void neighbouringSeedsDrawUnrelatedSamples() {
        int sameFirst = 0;
        for (long seed = 0; seed < 1000; seed++) {
            sameFirst += Mixing.sample(256, 25, seed)[0] == Mixing.sample(256, 25, seed + 1)[0] ? 1 : 0;
        }
        // Independent draws agree 1000 / 256 ≈ 4 times (sd ≈ 2); java.util.Random's agreed ~900 times.
        assertTrue(sameFirst < 20, "neighbouring seeds picked the same first block " + sameFirst + " times in 1000");
    }

    @Test
    void rejectsMismatchedCorporaAndBadFractions() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Mixing.keepOriginal(corpus(5, 2, 0), corpus(6, 2, 1000), 0.5, 0));
        assertTrue(e.getMessage().startsWith("original has 5 blocks of 2, synthetic 6 of 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Mixing.keepOriginal(corpus(5, 2, 0), corpus(5, 2, 0), 1.5, 0));
        assertThrows(IllegalArgumentException.class, () -> Mixing.keepOriginal(corpus(5, 2, 0), corpus(5, 2, 0), Double.NaN, 0));
    }

    @Test
    void accumulateConcatenatesInOrder() {
        TokenBlocks a = corpus(3, 2, 0);
        TokenBlocks b = corpus(2, 2, 1000);
        TokenBlocks all = Mixing.accumulate(List.of(a, b));
        assertEquals(5, all.numBlocks());
        assertArrayEquals(new int[] {2, 2}, all.block(2));
        assertArrayEquals(new int[] {1000, 1000}, all.block(3));
        assertArrayEquals(new int[] {1001, 1001}, all.block(4));
        var e = assertThrows(IllegalArgumentException.class, () -> Mixing.accumulate(List.of(a, corpus(1, 3, 0))));
        assertEquals("block sizes differ: 2 and 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Mixing.accumulate(List.of()));
    }
}
