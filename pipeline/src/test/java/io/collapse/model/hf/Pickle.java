package io.collapse.model.hf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Raw pickle opcodes, as torch.save (protocol 2) emits them. */
final class Pickle {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Pickle raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    Pickle op(int code) {
        out.write(code);
        return this;
    }

    Pickle proto(int v) {
        return op(0x80).op(v);
    }

    Pickle global(String module, String name) {
        return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    Pickle stackGlobal() {
        return op(0x93);
    }

    Pickle str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return op('X').raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array()).raw(b);
    }

    Pickle shortStr(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return op(0x8c).op(b.length).raw(b);
    }

    Pickle integer(int v) {
        return op('J').raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    Pickle mark() {
        return op('(');
    }

    Pickle tuple() {
        return op('t');
    }

    Pickle tuple1() {
        return op(0x85);
    }

    Pickle reduce() {
        return op('R');
    }

    Pickle newFalse() {
        return op(0x89);
    }

    Pickle emptyDict() {
        return op('}');
    }

    Pickle setItem() {
        return op('s');
    }

    Pickle setItems() {
        return op('u');
    }

    Pickle build() {
        return op('b');
    }

    Pickle stop() {
        return op('.');
    }

    Pickle orderedDict() {
        return global("collections", "OrderedDict").op(')').reduce();
    }

    /** LONG1 with 8 bytes: any long. */
    Pickle longInt(long v) {
        return op(0x8a).op(8).raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    Pickle longs(long[] values) {
        mark();
        for (long v : values) {
            longInt(v);
        }
        return tuple();
    }

    /** _rebuild_tensor_v2((storage pid), offset, size, stride, False, OrderedDict()). */
    Pickle tensor(String storageType, String key, int numel, int offset, int[] size, int[] stride) {
        return tensor(storageType, key, numel, offset, Arrays.stream(size).asLongStream().toArray(),
                Arrays.stream(stride).asLongStream().toArray());
    }

    Pickle tensor(String storageType, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        mark().str("storage").global("torch", storageType).str(key).str("cpu").longInt(numel).tuple().op('Q');
        longInt(offset).longs(size).longs(stride).newFalse().orderedDict();
        return tuple().reduce();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
