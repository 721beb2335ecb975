package io.collapse.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The one way host values enter torch. On the CPU, DJL's {@code NDManager.create(...)} does not
 * copy: the tensor wraps a Java direct buffer ({@code torch::from_blob}) that only its NDArray keeps
 * alive. Whatever torch still holds after that NDArray is closed (a tensor autograd saved for
 * backward, a view, a cache) then reads memory the garbage collector may already have freed and
 * reused, so results would depend on when the collector ran. DJL's {@code op(Number)} methods make
 * their scalar that way and close it at once, which is why code that runs under autograd (a model's
 * forward, the loss) passes scalars as {@link #scalar} instead. Everything made here is memory torch
 * owns; on a GPU the upload is that copy already.
 */
public final class Tensors {

    private Tensors() {}

    /**
     * A 0-dim tensor on {@code like}'s device, in its manager: float32 for floating {@code like}
     * (torch then computes in the op's own precision, as it did for DJL's float scalars), else
     * {@code like}'s integer type.
     */
    public static NDArray scalar(NDArray like, double value) {
        DataType type = like.getDataType().isFloating() ? DataType.FLOAT32 : like.getDataType();
        return like.getManager().full(new Shape(), (float) value, type, like.getDevice()); // ()
    }

    /** A 0-dim float32 tensor in {@code manager}, on its device: {@link #scalar} for constants made ahead of their ops. */
    public static NDArray scalar(NDManager manager, double value) {
        return manager.full(new Shape(), (float) value, DataType.FLOAT32, manager.getDevice()); // ()
    }

    /**
     * {@code a}'s values as float32 on the host. The read happens in a scope that borrows {@code a}:
     * DJL reads a device array through a host copy that it attaches to the array's own manager and
     * never closes, and for a model's weights or the optimizer's moments that manager lives all run.
     */
    public static float[] hostFloats(NDArray a) {
        try (Scope scope = Scope.borrowing(a)) {
            return (a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, true)).toFloatArray();
        }
    }

    public static NDArray of(NDManager manager, float[] values, Shape shape) {
        return owned(manager.create(values, shape));
    }

    public static NDArray of(NDManager manager, double[] values, Shape shape) {
        return owned(manager.create(values, shape));
    }

    public static NDArray of(NDManager manager, int[] values, Shape shape) {
        return owned(manager.create(values, shape));
    }

    public static NDArray of(NDManager manager, long[] values, Shape shape) {
        return owned(manager.create(values, shape));
    }

    public static NDArray of(NDManager manager, boolean[] values, Shape shape) {
        return owned(manager.create(values, shape));
    }

    /** (N) from a Java array of N ids. */
    public static NDArray of(NDManager manager, long[] values) {
        return of(manager, values, new Shape(values.length));
    }

    private static NDArray owned(NDArray borrowed) {
        if (!Device.Type.CPU.equals(borrowed.getDevice().getDeviceType())) {
            return borrowed; // uploaded: a copy in device memory
        }
        try (borrowed) {
            return borrowed.duplicate(); // torch's clone: its own memory, in the same manager
        }
    }
}
