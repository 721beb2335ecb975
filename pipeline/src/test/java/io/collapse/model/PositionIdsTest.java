package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.collapse.TestDevice;
import org.junit.jupiter.api.Test;

/** HF 5.17's two numberings: its forward ({@code arange + past}) and generate ({@code (cumsum(mask) - 1).masked_fill(mask == 0, 0)}). */
class PositionIdsTest {

    private static final long[] LEFT_PADDED = {
        0, 0, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1};

    @Test
    void forwardCountsFromTheFirstColumnPadsIncluded() {
        try (NDManager m = TestDevice.manager()) {
            NDArray mask = Tensors.of(m, LEFT_PADDED, new Shape(2, 6));
            NDArray all = PositionIds.FORWARD.of(mask, 0);
            assertEquals(new Shape(1, 6), all.getShape());
            assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5}, all.toLongArray());
            assertArrayEquals(new long[] {4, 5}, PositionIds.FORWARD.of(mask, 4).toLongArray());
        }
    }

    @Test
    void generateCountsRealTokensAndPutsPadsAtZero() {
        try (NDManager m = TestDevice.manager()) {
            NDArray mask = Tensors.of(m, LEFT_PADDED, new Shape(2, 6));
            NDArray all = PositionIds.GENERATE.of(mask, 0);
            assertEquals(new Shape(2, 6), all.getShape());
            assertArrayEquals(new long[] {0, 0, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5}, all.toLongArray());
            // A decode step: the new column is the last prompt position + 1 in each row, as generate passes it.
            NDArray step = PositionIds.GENERATE.of(mask, 5);
            assertEquals(new Shape(2, 1), step.getShape());
            assertArrayEquals(new long[] {3, 5}, step.toLongArray());
        }
    }
}
