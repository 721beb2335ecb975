package io.collapse.data;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.util.function.IntUnaryOperator;

/**
 * The one on-disk form of token blocks, shared by the block cache and the synthetic corpus's
 * shards: every block's ids in order, little-endian, 2 bytes each (uint16) or 4 (int32). The
 * writer picks the width and records it beside the data (the cache's header says {@code width},
 * a corpus manifest {@code dtype}).
 */
public final class BlockCodec {

    /** Bytes per id, and the name a corpus manifest's {@code dtype} gives them. */
    public enum Width {
        UINT16(2, "uint16"),
        INT32(4, "int32");

        public final int bytes;
        public final String dtype;

        Width(int bytes, String dtype) {
            this.bytes = bytes;
            this.dtype = dtype;
        }

        /** The width a corpus manifest's {@code dtype} names. */
        public static Width ofDtype(String dtype) {
            for (Width w : values()) {
                if (w.dtype.equals(dtype)) {
                    return w;
                }
            }
            throw new IllegalArgumentException("dtype: expected uint16 or int32, got '" + dtype + "'");
        }

        /** The width a cache header's {@code width} (bytes per id) names; null for any other number. */
        static Width ofBytes(int bytes) {
            for (Width w : values()) {
                if (w.bytes == bytes) {
                    return w;
                }
            }
            return null;
        }

        /** The narrowest width that holds every id below {@code vocabSize}. */
        public static Width forVocab(int vocabSize) {
            return vocabSize <= 0x10000 ? UINT16 : INT32;
        }
    }

    private BlockCodec() {}

    /** Whether every id of {@code blocks} fits a uint16. */
    public static boolean fitsUint16(TokenBlocks blocks) {
        int[] block = new int[blocks.blockSize()];
        for (int i = 0; i < blocks.numBlocks(); i++) {
            blocks.copyBlock(i, block, 0);
            for (int id : block) {
                if (id < 0 || id > 0xFFFF) {
                    return false;
                }
            }
        }
        return true;
    }

    /** All blocks' ids, {@code width.bytes} each. */
    public static byte[] encode(TokenBlocks blocks, Width width) {
        ByteBuffer data = ByteBuffer.allocate(blocks.numBlocks() * blocks.blockSize() * width.bytes)
                .order(ByteOrder.LITTLE_ENDIAN);
        int[] block = new int[blocks.blockSize()];
        for (int i = 0; i < blocks.numBlocks(); i++) {
            blocks.copyBlock(i, block, 0);
            for (int id : block) {
                if (width == Width.UINT16) {
                    data.putShort((short) id);
                } else {
                    data.putInt(id);
                }
            }
        }
        return data.array();
    }

    /** Blocks over {@code data} (not copied), each block one example, as a synthetic corpus counts them. */
    public static TokenBlocks decode(ByteBuffer data, Width width, int blockSize) {
        long bytesPerBlock = (long) blockSize * width.bytes;
        if (blockSize < 1 || data.remaining() % bytesPerBlock != 0) {
            throw new IllegalArgumentException(data.remaining() + " bytes are not whole blocks of " + blockSize
                    + " ids of " + width.bytes + " bytes");
        }
        int numBlocks = (int) (data.remaining() / bytesPerBlock);
        return decode(data, width, blockSize, numBlocks, numBlocks, (long) numBlocks * blockSize);
    }

    /** Blocks over {@code data} (not copied), with the counts of the examples they were cut from. */
    static TokenBlocks decode(ByteBuffer data, Width width, int blockSize, int numBlocks, long examples, long tokens) {
        ByteBuffer le = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        IntUnaryOperator idAt;
        if (width == Width.UINT16) {
            ShortBuffer shorts = le.asShortBuffer();
            idAt = i -> Short.toUnsignedInt(shorts.get(i));
        } else {
            IntBuffer ints = le.asIntBuffer();
            idAt = ints::get;
        }
        return new TokenBlocks(blockSize, numBlocks, examples, tokens, idAt);
    }
}
