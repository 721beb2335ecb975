package io.collapse.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.data.TokenBlocks;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RandomTokensTest {

    @Test
    void theSeedPicksTheIds() {
        assertArrayEquals(RandomTokens.ids(7, 100, 1000), RandomTokens.ids(7, 100, 1000));
        assertFalse(Arrays.equals(RandomTokens.ids(7, 100, 1000), RandomTokens.ids(8, 100, 1000)));
    }

    @Test
    void idsSkipTheSpecialOnesAndStayBelowTheVocabularyAndOpts() {
        int[] small = RandomTokens.ids(0, 10_000, 10);
        assertTrue(Arrays.stream(small).allMatch(id -> id >= 4 && id < 10), Arrays.toString(small));
        assertEquals(6, Arrays.stream(small).distinct().count()); // all of 4..9 drawn
        // A preset's padded embedding table (opt-125m's 50272) still gets ids OPT's tokenizer knows.
        int[] opt = RandomTokens.ids(0, 100_000, 50272);
        assertTrue(Arrays.stream(opt).allMatch(id -> id >= 4 && id < RandomTokens.OPT_VOCAB));
    }

    @Test
    void blocksAndPromptsCutTheSameSeededIds() {
        int[] ids = RandomTokens.ids(3, 12, 500);
        TokenBlocks blocks = RandomTokens.blocks(3, 3, 4, 500);
        assertEquals(3, blocks.numBlocks());
        assertArrayEquals(Arrays.copyOfRange(ids, 4, 8), blocks.block(1));
        int[][] prompts = RandomTokens.prompts(3, 2, 6, 500);
        assertArrayEquals(Arrays.copyOfRange(ids, 0, 6), prompts[0]);
        assertArrayEquals(Arrays.copyOfRange(ids, 6, 12), prompts[1]);
    }
}
