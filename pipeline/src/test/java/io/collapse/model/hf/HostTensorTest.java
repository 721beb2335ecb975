package io.collapse.model.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HostTensorTest {

    @Test
    void floatToHalfRoundsToNearestEven() {
        assertEquals(0x3c00, HostTensor.floatToHalf(1f) & 0xffff);
        assertEquals(0xc000, HostTensor.floatToHalf(-2f) & 0xffff);
        assertEquals(0x7bff, HostTensor.floatToHalf(65504f) & 0xffff);
        assertEquals(0x7c00, HostTensor.floatToHalf(65520f) & 0xffff, "halfway to 65536 rounds up to inf");
        assertEquals(0x7bff, HostTensor.floatToHalf(65519f) & 0xffff);
        assertEquals(0x3c00, HostTensor.floatToHalf(1f + 0x1p-11f) & 0xffff, "tie goes to the even 1.0");
        assertEquals(0x3c02, HostTensor.floatToHalf(1f + 3 * 0x1p-11f) & 0xffff, "tie goes to the even 1+2^-9");
        assertEquals(0x3c01, HostTensor.floatToHalf(1f + 0x1p-11f + 0x1p-20f) & 0xffff);
        assertEquals(0x0001, HostTensor.floatToHalf(0x1p-24f) & 0xffff, "smallest subnormal");
        assertEquals(0x0000, HostTensor.floatToHalf(0x1p-25f) & 0xffff, "half the smallest subnormal ties to 0");
        assertEquals(0x0001, HostTensor.floatToHalf(3 * 0x1p-26f) & 0xffff);
        assertEquals(0x0400, HostTensor.floatToHalf(0x1p-14f - 0x1p-26f) & 0xffff, "rounds up into the normals");
        assertEquals(0x8000, HostTensor.floatToHalf(-0f) & 0xffff);
        assertEquals(0xfc00, HostTensor.floatToHalf(Float.NEGATIVE_INFINITY) & 0xffff);
        assertTrue(Float.isNaN(HostTensor.halfToFloat(HostTensor.floatToHalf(Float.NaN))));
    }

    @Test
    void everyHalfSurvivesTheRoundTrip() {
        for (int h = 0; h < 0x10000; h++) {
            float f = HostTensor.halfToFloat((short) h);
            if (!Float.isNaN(f)) {
                assertEquals(h, HostTensor.floatToHalf(f) & 0xffff, "half 0x" + Integer.toHexString(h));
            }
        }
    }

    @Test
    void floatToBfloat16RoundsToNearestEven() {
        assertEquals(0x3f80, HostTensor.floatToBfloat16(1f) & 0xffff);
        assertEquals(0x3f80, HostTensor.floatToBfloat16(1f + 0x1p-8f) & 0xffff, "tie goes to the even 1.0");
        assertEquals(0x3f82, HostTensor.floatToBfloat16(1f + 3 * 0x1p-8f) & 0xffff, "tie goes to the even 1+2^-6");
        assertEquals(0x3f81, HostTensor.floatToBfloat16(1f + 0x1p-8f + 0x1p-20f) & 0xffff);
        assertEquals(0x7f80, HostTensor.floatToBfloat16(Float.MAX_VALUE) & 0xffff, "max float rounds to inf");
        assertTrue(Float.isNaN(Float.intBitsToFloat((HostTensor.floatToBfloat16(Float.NaN) & 0xffff) << 16)));
    }

    @Test
    void toConvertsBetweenFloatingDtypes() {
        HostTensor t = HostTensor.ofFloats(new float[] {1f, -0.1f, 70000f, 1e-8f}, 2, 2);
        HostTensor half = t.to(HostTensor.DType.F16);
        assertArrayEquals(new long[] {2, 2}, half.shape());
        assertArrayEquals(new float[] {1f, HostTensor.halfToFloat((short) 0xae66), Float.POSITIVE_INFINITY, 0f}, half.toFloats());
        HostTensor bf = t.to(HostTensor.DType.BF16);
        assertArrayEquals(new float[] {1f, -0.10009765625f, 70144f, 1.0011717677116394e-8f}, bf.toFloats());
        assertArrayEquals(half.toFloats(), half.to(HostTensor.DType.F32).toFloats());
        assertEquals(t, t.to(HostTensor.DType.F32));
        HostTensor ints = new HostTensor(HostTensor.DType.I64, new long[] {1}, java.nio.ByteBuffer.allocate(8));
        assertThrows(IllegalArgumentException.class, () -> ints.to(HostTensor.DType.F16));
    }
}
