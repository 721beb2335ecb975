package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.collapse.TestDevice;
import org.junit.jupiter.api.Test;

/** HF 5.17 generate's numbering: {@code (cumsum(mask) - 1).masked_fill(mask == 0, 0)}, then the last + 1 per step. */
class PositionIdsTest {

    @Test
    void generateCountsRealTokensAndPutsPadsAtZero() {
        try (NDManager m = TestDevice.manager()) {
            NDArray mask = Tensors.of(m, new long[] {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, new Shape(2, 6));
            NDArray all = PositionIds.fromMask(mask, 0);
            assertEquals(new Shape(2, 6), all.getShape());
            assertArrayEquals(new long[] {0, 0, 0, 1, 2, 3, 0, 1, 2, 3, 4, 5}, all.toLongArray());
            // A decode step: the new column is the last prompt position + 1 in each row, as generate passes it.
            NDArray step = PositionIds.fromMask(mask, 5);
            assertEquals(new Shape(2, 1), step.getShape());
            assertArrayEquals(new long[] {3, 5}, step.toLongArray());
        }
    }
}
