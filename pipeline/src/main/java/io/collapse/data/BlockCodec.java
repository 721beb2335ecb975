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

    public static final int UINT16 = 2;
    public static final int INT32 = 4;

    private BlockCodec() {}

    /** The width a corpus manifest's {@code dtype} names. */
    public static int width(String dtype) {
        return switch (dtype) {
            case "uint16" -> UINT16;
            case "int32" -> INT32;
            default -> throw new IllegalArgumentException("dtype: expected uint16 or int32, got '" + dtype + "'");
        };
    }

    /** The {@code dtype} name of a width. */
    public static String dtype(int width) {
        return switch (width) {
            case UINT16 -> "uint16";
            case INT32 -> "int32";
            default -> throw new IllegalArgumentException("width: expected 2 or 4 bytes per id, got " + width);
        };
    }

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

    /** All blocks' ids, {@code width} bytes each. */
    public static byte[] encode(TokenBlocks blocks, int width) {
        dtype(width); // rejects any other width
        ByteBuffer data = ByteBuffer.allocate(blocks.numBlocks() * blocks.blockSize() * width)
                .order(ByteOrder.LITTLE_ENDIAN);
        int[] block = new int[blocks.blockSize()];
        for (int i = 0; i < blocks.numBlocks(); i++) {
            blocks.copyBlock(i, block, 0);
            for (int id : block) {
                if (width == UINT16) {
                    data.putShort((short) id);
                } else {
                    data.putInt(id);
                }
            }
        }
        return data.array();
    }

    /** Blocks over {@code data} (not copied), each block one example, as a synthetic corpus counts them. */
    public static TokenBlocks decode(ByteBuffer data, int width, int blockSize) {
        long bytesPerBlock = (long) blockSize * width;
        if (blockSize < 1 || data.remaining() % bytesPerBlock != 0) {
            throw new IllegalArgumentException(data.remaining() + " bytes are not whole blocks of " + blockSize
                    + " ids of " + width + " bytes");
        }
        int numBlocks = (int) (data.remaining() / bytesPerBlock);
        return decode(data, width, blockSize, numBlocks, numBlocks, (long) numBlocks * blockSize);
    }

    /** Blocks over {@code data} (not copied), with the counts of the examples they were cut from. */
    static TokenBlocks decode(ByteBuffer data, int width, int blockSize, int numBlocks, long examples, long tokens) {
        ByteBuffer le = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        IntUnaryOperator idAt;
        if (width == UINT16) {
            ShortBuffer shorts = le.asShortBuffer();
            idAt = i -> Short.toUnsignedInt(shorts.get(i));
        } else if (width == INT32) {
            IntBuffer ints = le.asIntBuffer();
            idAt = ints::get;
        } else {
            throw new IllegalArgumentException("width: expected 2 or 4 bytes per id, got " + width);
        }
        return new TokenBlocks(blockSize, numBlocks, examples, tokens, idAt);
    }
}
