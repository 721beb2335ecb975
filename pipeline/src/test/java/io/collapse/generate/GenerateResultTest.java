package io.collapse.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class GenerateResultTest {

    /** Prompt width 2; eos 2, pad 1: a row is cut at its first EOS, and without one only its trailing pads go. */
    @Test
    void theContinuationEndsBeforeTheEosOrTheTrailingPads() {
        GenerateResult r = new GenerateResult(new int[][] {
            {1, 9, 5, 2, 1, 1},
            {9, 9, 5, 6, 1, 1},
            {9, 9, 2, 5, 6, 7},
            {9, 9, 1, 5, 6, 7}}, 2, null, null, 4);
        List<Integer> eos = List.of(2);
        assertArrayEquals(new int[] {5}, r.continuation(0, eos, 1));
        assertArrayEquals(new int[] {5, 6}, r.continuation(1, eos, 1));
        assertArrayEquals(new int[] {}, r.continuation(2, eos, 1));
        assertArrayEquals(new int[] {1, 5, 6, 7}, r.continuation(3, eos, 1), "a pad id before the end is the model's token");
    }
}
