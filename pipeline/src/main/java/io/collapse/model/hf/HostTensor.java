package io.collapse.model.hf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor as a checkpoint file holds it: dtype, shape and little-endian bytes, outside any engine.
 * Readers produce these; the model copies them into NDArrays of its own dtype.
 */
public record HostTensor(DType dtype, long[] shape, ByteBuffer data) {

    /** The dtypes a state dict of an OPT model may use. Names are safetensors' spellings. */
    public enum DType {
        F32(4), F16(2), BF16(2), F64(8), I64(8), I32(4), I8(1), U8(1), BOOL(1);

        public final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        public boolean isFloating() {
            return this == F32 || this == F16 || this == BF16 || this == F64;
        }
    }

    public HostTensor {
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        long expected = numel(shape) * dtype.bytes;
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " " + dtype
                    + " needs " + expected + " bytes, got " + data.remaining());
        }
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long numel() {
        return numel(shape);
    }

    public static HostTensor ofFloats(float[] values, long... shape) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return new HostTensor(DType.F32, shape, buf);
    }

    /** Values widened to float32 (F16 and BF16 exactly; F64 rounded). */
    public float[] toFloats() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = halfToFloat(b.getShort(2 * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getDouble(8 * i);
                }
            }
            default -> throw new IllegalStateException("not a floating tensor: " + dtype);
        }
        return out;
    }

    /** IEEE 754 binary16 to float32, exact (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) { // inf or NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) { // zero or subnormal: mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    @Override
    public String toString() {
        return dtype + Arrays.toString(shape);
    }
}
