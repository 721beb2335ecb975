package io.collapse.bench;

import io.collapse.data.TokenBlocks;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Seeded random token ids, as a wikitext block holds them: ≥ 4 (no pad or EOS), below OPT's tokenizer vocabulary. */
public final class RandomTokens {

    /** OPT's tokenizer vocabulary; ids stay below it even where a preset's embedding table is larger. */
    static final int OPT_VOCAB = 50265;

    private RandomTokens() {}

    /** {@code count} ids from {@code seed}, each in [4, min(vocab, 50265)). */
    public static int[] ids(long seed, int count, int vocab) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = 4 + random.nextInt(Math.min(vocab, OPT_VOCAB) - 4);
        }
        return ids;
    }

    /** {@code blocks} blocks of {@code blockSize} ids from {@code seed}. */
    public static TokenBlocks blocks(long seed, int blocks, int blockSize, int vocab) {
        return TokenBlocks.of(ids(seed, blocks * blockSize, vocab), blockSize);
    }

    /** {@code batch} prompts of {@code length} ids: {@code ids(seed, batch·length)} cut into rows. */
    public static int[][] prompts(long seed, int batch, int length, int vocab) {
        int[] ids = ids(seed, batch * length, vocab);
        int[][] rows = new int[batch][];
        for (int b = 0; b < batch; b++) {
            rows[b] = Arrays.copyOfRange(ids, b * length, (b + 1) * length);
        }
        return rows;
    }
}
