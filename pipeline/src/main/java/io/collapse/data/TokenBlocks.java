package io.collapse.data;

import io.collapse.io.Checksums;
import io.collapse.text.TextEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * A corpus cut into blocks of {@code blockSize} token ids, read-only. The ids live in an
 * {@code int[]} or in a file's bytes ({@link BlockCodec}: a memory-mapped cache file, a corpus's
 * shards); callers see ids.
 */
public final class TokenBlocks {

    private final int blockSize;
    private final int numBlocks;
    private final long examples;
    private final long tokens;
    private final IntUnaryOperator idAt; // index in [0, numBlocks * blockSize) -> token id

    /** Over ids read by {@code idAt}; {@link BlockCodec} makes them over a file's bytes. */
    TokenBlocks(int blockSize, int numBlocks, long examples, long tokens, IntUnaryOperator idAt) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("blockSize: expected >= 1, got " + blockSize);
        }
        if (tokens < (long) numBlocks * blockSize) {
            throw new IllegalArgumentException("tokens: expected >= " + (long) numBlocks * blockSize + ", got " + tokens);
        }
        this.blockSize = blockSize;
        this.numBlocks = numBlocks;
        this.examples = examples;
        this.tokens = tokens;
        this.idAt = idAt;
    }

    /**
     * Blocks over ids already cut to a multiple of {@code blockSize}, e.g. a synthetic corpus, where
     * every block counts as one example.
     */
    public static TokenBlocks of(int[] ids, int blockSize) {
        if (blockSize < 1 || ids.length % blockSize != 0) {
            throw new IllegalArgumentException(
                    "ids: length " + ids.length + " is not a multiple of blockSize " + blockSize);
        }
        int[] copy = ids.clone();
        int n = copy.length / blockSize;
        return new TokenBlocks(blockSize, n, n, copy.length, i -> copy[i]);
    }

    /**
     * The paper's preprocessing: every example encoded on its own (the encoder adds the leading
     * {@code </s>}), all ids concatenated in order, cut into blocks of {@code blockSize}, the
     * remainder dropped.
     */
    public static TokenBlocks tokenize(List<String> examples, TextEncoder encoder, int blockSize) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("blockSize: expected >= 1, got " + blockSize);
        }
        int[] ids = new int[1 << 16];
        long total = 0;
        for (String example : examples) {
            int[] enc = encoder.encode(example);
            if (total + enc.length > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("corpus too large: more than 2^31 tokens");
            }
            if (total + enc.length > ids.length) {
                ids = Arrays.copyOf(ids, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(2L * ids.length, total + enc.length)));
            }
            System.arraycopy(enc, 0, ids, (int) total, enc.length);
            total += enc.length;
        }
        int n = (int) (total / blockSize);
        int[] kept = Arrays.copyOf(ids, n * blockSize);
        return new TokenBlocks(blockSize, n, examples.size(), total, i -> kept[i]);
    }

    /**
     * The first {@code n} blocks, 0 meaning all: the one rule of every "use the first N blocks"
     * setting ({@code data.train_blocks} and its siblings, {@code train --train-blocks}, {@code eval
     * --max-blocks}). More than there are is refused, naming {@code setting}: a run must not quietly
     * use fewer blocks than it says.
     */
    public TokenBlocks first(int n, String setting) {
        if (n < 0) {
            throw new IllegalArgumentException(setting + " must be >= 0, got " + n);
        }
        if (n > numBlocks) {
            throw new IllegalArgumentException(setting + " = " + n + " but the split has only " + numBlocks + " blocks");
        }
        return head(n == 0 ? numBlocks : n);
    }

    /** The first {@code n} blocks (this corpus itself when it has exactly n), e.g. a CPU-sized slice. */
    public TokenBlocks head(int n) {
        if (n < 0 || n > numBlocks) {
            throw new IllegalArgumentException("head: expected 0 <= n <= " + numBlocks + " blocks, got " + n);
        }
        if (n == numBlocks) {
            return this;
        }
        return of(ids(0, n), blockSize);
    }

    /** Blocks {@code [from, from + n)} as one flat array, block after block: (n · blockSize). */
    public int[] ids(int from, int n) {
        int[] ids = new int[n * blockSize];
        for (int i = 0; i < n; i++) {
            copyBlock(from + i, ids, i * blockSize);
        }
        return ids;
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int blockSize() {
        return blockSize;
    }

    /** Examples the blocks were made from. */
    public long examples() {
        return examples;
    }

    /** Token ids of all examples, before the remainder was dropped. */
    public long tokens() {
        return tokens;
    }

    /** Ids dropped at the end because they did not fill a block. */
    public long droppedTokens() {
        return tokens - (long) numBlocks * blockSize;
    }

    public int[] block(int i) {
        int[] dst = new int[blockSize];
        copyBlock(i, dst, 0);
        return dst;
    }

    /** Copies block {@code i} into {@code dst[off, off + blockSize)}. */
    public void copyBlock(int i, int[] dst, int off) {
        if (i < 0 || i >= numBlocks) {
            throw new IndexOutOfBoundsException("block " + i + " of " + numBlocks);
        }
        int base = i * blockSize;
        for (int j = 0; j < blockSize; j++) {
            dst[off + j] = idAt.applyAsInt(base + j);
        }
    }

    /** Largest id in the blocks, -1 when there are none. */
    public int maxId() {
        int max = -1;
        for (int i = 0, n = numBlocks * blockSize; i < n; i++) {
            max = Math.max(max, idAt.applyAsInt(i));
        }
        return max;
    }

    /** Refuses blocks with an id the model has no embedding for (read, torch fails with "index out of range in self"). */
    public void checkFitsVocab(int vocabSize) {
        int max = maxId();
        if (max >= vocabSize) {
            throw new IllegalArgumentException("the corpus holds token id " + max + " but the model's vocab_size is "
                    + vocabSize + " (was it tokenized for another model?)");
        }
    }

    /** sha256 of all blocks' ids as one stream of little-endian int32, whatever the storage. */
    public String idsSha256() {
        MessageDigest sha = Checksums.newSha256();
        ByteBuffer buf = ByteBuffer.allocate(4 * blockSize).order(ByteOrder.LITTLE_ENDIAN);
        int[] block = new int[blockSize];
        for (int i = 0; i < numBlocks; i++) {
            copyBlock(i, block, 0);
            buf.clear().asIntBuffer().put(block);
            sha.update(buf.array());
        }
        return Checksums.hex(sha);
    }
}
