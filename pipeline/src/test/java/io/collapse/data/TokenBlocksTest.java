package io.collapse.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.collapse.io.Checksums;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenBlocksTest {

    @Test
    void encodesEachExampleConcatenatesAndDropsTheRemainder() {
        // ids: [2, 100, 101] [2] [2, 102] [2, 103, 104, 105] = 10 ids -> 3 blocks of 3, 1 dropped
        List<String> examples = List.of("ab", "", "c", "def");
        TokenBlocks blocks = TokenBlocks.tokenize(examples, new ByteEncoder(3), 3);
        assertEquals(3, blocks.numBlocks());
        assertEquals(3, blocks.blockSize());
        assertEquals(4, blocks.examples());
        assertEquals(10, blocks.tokens());
        assertEquals(1, blocks.droppedTokens());
        assertArrayEquals(new int[] {2, 3 + 'a', 3 + 'b'}, blocks.block(0));
        assertArrayEquals(new int[] {2, 2, 3 + 'c'}, blocks.block(1));
        assertArrayEquals(new int[] {2, 3 + 'd', 3 + 'e'}, blocks.block(2));
        int[] dst = new int[5];
        blocks.copyBlock(1, dst, 2);
        assertArrayEquals(new int[] {0, 0, 2, 2, 3 + 'c'}, dst);
        assertThrows(IndexOutOfBoundsException.class, () -> blocks.block(3));
        assertEquals(3 + 'e', blocks.maxId());
    }

    @Test
    void idsSha256IsOverLittleEndianInt32() {
        int[] ids = {2, 70000, 5, 1, 0, 65535};
        TokenBlocks blocks = TokenBlocks.of(ids, 2);
        ByteBuffer buf = ByteBuffer.allocate(4 * ids.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int id : ids) {
            buf.putInt(id);
        }
        assertEquals(Checksums.sha256(buf.array()), blocks.idsSha256());
        assertEquals(3, blocks.numBlocks());
        assertEquals(3, blocks.examples());
        assertEquals(0, blocks.droppedTokens());
    }

    @Test
    void ofCopiesAndRejectsPartialBlocks() {
        int[] ids = {1, 2, 3, 4};
        TokenBlocks blocks = TokenBlocks.of(ids, 2);
        ids[0] = 99;
        assertArrayEquals(new int[] {1, 2}, blocks.block(0));
        var e = assertThrows(IllegalArgumentException.class, () -> TokenBlocks.of(new int[5], 2));
        assertEquals("ids: length 5 is not a multiple of blockSize 2", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenBlocks.tokenize(List.of("a"), new ByteEncoder(), 0));
    }
}
