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
        long expected = Math.multiplyExact(numel(shape), dtype.bytes);
        if (data.remaining() != expected) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " " + dtype
                    + " needs " + expected + " bytes, got " + data.remaining());
        }
    }

    /** The element count; ArithmeticException when it overflows a long (a hostile shape). */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
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

    /**
     * The same values in another floating dtype (F32, F16 or BF16), rounded to nearest, ties to
     * even, as torch's {@code .to(dtype)} does; this tensor itself when the dtype already matches.
     */
    public HostTensor to(DType target) {
        if (target == dtype) {
            return this;
        }
        if (!dtype.isFloating() || !(target == DType.F32 || target == DType.F16 || target == DType.BF16)) {
            throw new IllegalArgumentException("cannot convert " + dtype + " to " + target + "; only floating tensors to F32, F16 or BF16");
        }
        float[] values = toFloats();
        ByteBuffer out = ByteBuffer.allocate(values.length * target.bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (target) {
                case F32 -> out.putFloat(v);
                case F16 -> out.putShort(floatToHalf(v));
                default -> out.putShort(floatToBfloat16(v));
            }
        }
        return new HostTensor(target, shape, out.flip());
    }

    /** float32 to IEEE 754 binary16, round to nearest even; overflow gives ±inf, NaN stays NaN. */
    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) { // inf or NaN (kept quiet and non-zero)
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e >= 1) {
            int m = mant >>> 13;
            int rest = mant & 0x1fff;
            int h = (e << 10) | m;
            if (rest > 0x1000 || (rest == 0x1000 && (m & 1) == 1)) {
                h++; // a carry out of the mantissa bumps the exponent, up to inf: still correct
            }
            return (short) (sign | h);
        }
        // binary16 subnormal: value / 2^-24, from the full 24-bit significand.
        int shift = 14 - e;
        if (shift > 24) {
            return (short) sign;
        }
        int full = mant | 0x800000;
        int m = full >>> shift;
        int rest = full & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (rest > halfway || (rest == halfway && (m & 1) == 1)) {
            m++;
        }
        return (short) (sign | m);
    }

    /** float32 to bfloat16 (the top 16 bits), round to nearest even; NaN stays NaN. */
    static short floatToBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        bits += 0x7fff + ((bits >>> 16) & 1);
        return (short) (bits >>> 16);
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
