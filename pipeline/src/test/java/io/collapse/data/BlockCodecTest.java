package io.collapse.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.data.BlockCodec.Width;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class BlockCodecTest {

    @Test
    void writesIdsLittleEndianInTheWidthAsked() {
        TokenBlocks blocks = TokenBlocks.of(new int[] {1, 0x0203, 65535, 7}, 2);
        assertArrayEquals(new byte[] {1, 0, 3, 2, -1, -1, 7, 0}, BlockCodec.encode(blocks, Width.UINT16));
        assertArrayEquals(new byte[] {1, 0, 0, 0, 3, 2, 0, 0, -1, -1, 0, 0, 7, 0, 0, 0},
                BlockCodec.encode(blocks, Width.INT32));
    }

    @Test
    void readsBackWhatItWroteInEitherWidth() {
        TokenBlocks blocks = TokenBlocks.of(new int[] {1, 2, 65535, 0, 9, 40000}, 3);
        for (Width width : Width.values()) {
            TokenBlocks back = BlockCodec.decode(ByteBuffer.wrap(BlockCodec.encode(blocks, width)), width, 3);
            assertEquals(2, back.numBlocks());
            assertEquals(2, back.examples(), "every block of a decoded corpus is one example");
            assertEquals(6, back.tokens());
            assertEquals(blocks.idsSha256(), back.idsSha256());
        }
        TokenBlocks wide = TokenBlocks.of(new int[] {70000, -1}, 2);
        TokenBlocks back = BlockCodec.decode(ByteBuffer.wrap(BlockCodec.encode(wide, Width.INT32)), Width.INT32, 2);
        assertArrayEquals(new int[] {70000, -1}, back.block(0));
        var e = assertThrows(IllegalArgumentException.class,
                () -> BlockCodec.decode(ByteBuffer.wrap(new byte[10]), Width.UINT16, 3));
        assertTrue(e.getMessage().contains("10 bytes"), e.getMessage());
    }

    @Test
    void namesWidthsAsManifestsDo() {
        assertEquals(Width.UINT16, Width.ofDtype("uint16"));
        assertEquals(Width.INT32, Width.ofDtype("int32"));
        assertEquals("uint16", Width.UINT16.dtype);
        assertEquals("int32", Width.INT32.dtype);
        var e = assertThrows(IllegalArgumentException.class, () -> Width.ofDtype("int8"));
        assertTrue(e.getMessage().contains("'int8'"), e.getMessage());
        // A cache header names the width by its bytes per id.
        assertEquals(Width.UINT16, Width.ofBytes(2));
        assertEquals(Width.INT32, Width.ofBytes(4));
        assertNull(Width.ofBytes(3));
    }

    @Test
    void uint16FitsOnlyIdsFrom0To65535() {
        assertEquals(Width.UINT16, Width.forVocab(65536));
        assertEquals(Width.INT32, Width.forVocab(65537));
        assertTrue(BlockCodec.fitsUint16(TokenBlocks.of(new int[] {0, 65535}, 1)));
        assertFalse(BlockCodec.fitsUint16(TokenBlocks.of(new int[] {0, 65536}, 1)));
        assertFalse(BlockCodec.fitsUint16(TokenBlocks.of(new int[] {-1, 3}, 2)));
    }
}
