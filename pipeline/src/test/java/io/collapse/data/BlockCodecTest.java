package io.collapse.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class BlockCodecTest {

    @Test
    void writesIdsLittleEndianInTheWidthAsked() {
        TokenBlocks blocks = TokenBlocks.of(new int[] {1, 0x0203, 65535, 7}, 2);
        assertArrayEquals(new byte[] {1, 0, 3, 2, -1, -1, 7, 0}, BlockCodec.encode(blocks, BlockCodec.UINT16));
        assertArrayEquals(new byte[] {1, 0, 0, 0, 3, 2, 0, 0, -1, -1, 0, 0, 7, 0, 0, 0},
                BlockCodec.encode(blocks, BlockCodec.INT32));
        assertThrows(IllegalArgumentException.class, () -> BlockCodec.encode(blocks, 3));
    }

    @Test
    void readsBackWhatItWroteInEitherWidth() {
        TokenBlocks blocks = TokenBlocks.of(new int[] {1, 2, 65535, 0, 9, 40000}, 3);
        for (int width : new int[] {BlockCodec.UINT16, BlockCodec.INT32}) {
            TokenBlocks back = BlockCodec.decode(ByteBuffer.wrap(BlockCodec.encode(blocks, width)), width, 3);
            assertEquals(2, back.numBlocks());
            assertEquals(2, back.examples(), "every block of a decoded corpus is one example");
            assertEquals(6, back.tokens());
            assertEquals(blocks.idsSha256(), back.idsSha256());
        }
        TokenBlocks wide = TokenBlocks.of(new int[] {70000, -1}, 2);
        TokenBlocks back = BlockCodec.decode(ByteBuffer.wrap(BlockCodec.encode(wide, 4)), 4, 2);
        assertArrayEquals(new int[] {70000, -1}, back.block(0));
        var e = assertThrows(IllegalArgumentException.class,
                () -> BlockCodec.decode(ByteBuffer.wrap(new byte[10]), BlockCodec.UINT16, 3));
        assertTrue(e.getMessage().contains("10 bytes"), e.getMessage());
    }

    @Test
    void namesWidthsAsManifestsDo() {
        assertEquals(BlockCodec.UINT16, BlockCodec.width("uint16"));
        assertEquals(BlockCodec.INT32, BlockCodec.width("int32"));
        assertEquals("uint16", BlockCodec.dtype(2));
        assertEquals("int32", BlockCodec.dtype(4));
        var e = assertThrows(IllegalArgumentException.class, () -> BlockCodec.width("int8"));
        assertTrue(e.getMessage().contains("'int8'"), e.getMessage());
    }

    @Test
    void uint16FitsOnlyIdsFrom0To65535() {
        assertTrue(BlockCodec.fitsUint16(TokenBlocks.of(new int[] {0, 65535}, 1)));
        assertFalse(BlockCodec.fitsUint16(TokenBlocks.of(new int[] {0, 65536}, 1)));
        assertFalse(BlockCodec.fitsUint16(TokenBlocks.of(new int[] {-1, 3}, 2)));
    }
}
