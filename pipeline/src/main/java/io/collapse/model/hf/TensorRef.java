package io.collapse.model.hf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/** A tensor as {@code _rebuild_tensor_v2} describes it: a view into a storage. */
record TensorRef(Storage storage, long offset, long[] shape, long[] stride) {

    /** One storage's raw bytes. */
    record Storage(String key, HostTensor.DType dtype, ByteBuffer bytes) {}

    /** Copies the view out contiguously, checking it lies inside its storage. */
    HostTensor materialize(Path file, String name) throws CheckpointException {
        int esize = storage.dtype.bytes;
        long storageNumel = storage.bytes.remaining() / esize;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || stride[i] < 0) {
                throw new CheckpointException(file, "tensor '" + name + "' has a negative size or stride");
            }
        }
        long numel;
        long last;
        try {
            numel = HostTensor.numel(shape);
            last = lastElement();
        } catch (ArithmeticException e) {
            throw new CheckpointException(file, "tensor '" + name + "' " + Arrays.toString(shape) + " at offset " + offset
                    + " with strides " + Arrays.toString(stride) + " overflows a 64-bit element index");
        }
        // numel ≤ storage size: a parameter never reads an element twice more than its storage holds,
        // and it bounds the gather below by the bytes actually in the archive.
        if (numel > 0 && (offset < 0 || last >= storageNumel || numel > storageNumel)) {
            throw new CheckpointException(file, "tensor '" + name + "' " + Arrays.toString(shape) + " at offset " + offset
                    + " with strides " + Arrays.toString(stride) + " reaches past its storage '" + storage.key
                    + "' of " + storageNumel + " elements");
        }
        ByteBuffer src = storage.bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (isContiguous()) {
            ByteBuffer view = src.position(Math.toIntExact(offset * esize)).slice();
            return new HostTensor(storage.dtype, shape, view.limit(Math.toIntExact(numel * esize)));
        }
        // A strided view (a transposed or sliced tensor saved as such): gather element by element.
        // Every index below is at most `last`, which was computed without overflow.
        ByteBuffer dst = ByteBuffer.allocate(Math.toIntExact(numel * esize)).order(ByteOrder.LITTLE_ENDIAN);
        long[] index = new long[shape.length];
        byte[] element = new byte[esize];
        for (long n = 0; n < numel; n++) {
            long at = offset;
            for (int d = 0; d < shape.length; d++) {
                at += index[d] * stride[d];
            }
            src.get(Math.toIntExact(at * esize), element);
            dst.put(element);
            for (int d = shape.length - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                index[d] = 0;
            }
        }
        return new HostTensor(storage.dtype, shape, dst.flip());
    }

    /** The highest element index the view reads (sizes and strides are non-negative). */
    private long lastElement() {
        long last = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > 0) {
                last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
            }
        }
        return last;
    }

    private boolean isContiguous() {
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected = Math.multiplyExact(expected, shape[d]);
        }
        return true;
    }
}
