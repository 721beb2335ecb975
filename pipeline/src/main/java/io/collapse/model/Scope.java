package io.collapse.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDResource;
import java.util.Collection;

/**
 * The one way native memory is scoped here: a sub-manager opened in try-with-resources. What is
 * made in it (an op's result joins its first operand's manager) closes with it, unless {@link
 * #keep} hands it up to the parent first:
 *
 * <pre>
 * try (Scope scope = Scope.borrowing(logits, inputIds)) { // the inputs join the scope until it closes
 *     NDArray nll = LmLoss.tokenNll(logits, inputIds);    // so their results do too
 *     return scope.keep(nll.sum());                        // this one leaves; the rest closes here
 * }
 * </pre>
 *
 * <p>Three verbs move arrays: {@link #borrow} (DJL's {@code tempAttach}: the array is back in its own
 * manager when the scope closes), {@link #keep} (DJL's {@code ret}: to the parent, for good) and
 * {@link #own} (to the scope, for good: an array this step replaces closes with it). Managers that
 * live across steps (a training run's root, the optimizer's moments, a decoder's cache) are scopes
 * too, opened under the model's manager with {@link #under}, so that every array a run holds is
 * counted in the model manager's {@code getManagedArrays()} and a test can see a step leak one.
 * No other code calls {@code newSubManager}, {@code subManagerOf} or {@code tempAttach}.
 */
public final class Scope implements AutoCloseable {

    private final NDManager manager;

    private Scope(NDManager manager) {
        this.manager = manager;
    }

    /** A scope under {@code parent}, on its device. */
    public static Scope of(NDManager parent) {
        return new Scope(parent.newSubManager());
    }

    /** A scope under {@code array}'s manager, on the array's device (a model's parameter: under the model). */
    public static Scope under(NDArray array) {
        return new Scope(array.getManager().newSubManager(array.getDevice()));
    }

    /** A scope under {@code first}'s manager that borrows it and every non-null one of {@code more}. */
    public static Scope borrowing(NDResource first, NDResource... more) {
        Scope scope = new Scope(NDManager.subManagerOf(first));
        scope.borrow(first);
        return scope.borrow(more);
    }

    /** A scope under the first array's manager that borrows them all ({@code arrays} not empty). */
    public static Scope borrowing(Collection<NDArray> arrays) {
        Scope scope = new Scope(NDManager.subManagerOf(arrays.iterator().next()));
        return scope.borrow(arrays.toArray(new NDArray[0]));
    }

    /** A scope under this one. */
    public Scope child() {
        return of(manager);
    }

    /** A scope under this one on {@code device} (a replica's arrays on its own device). */
    public Scope child(Device device) {
        return new Scope(manager.newSubManager(device));
    }

    /** Where arrays are made: {@code Tensors.of(scope.manager(), …)}. */
    public NDManager manager() {
        return manager;
    }

    /** The resources (nulls skipped) join this scope until it closes, then go back where they were. */
    public Scope borrow(NDResource... resources) {
        for (NDResource r : resources) {
            if (r != null) {
                r.tempAttach(manager);
            }
        }
        return this;
    }

    /** The resources (nulls skipped) join this scope for good and close with it. */
    public void own(NDResource... resources) {
        for (NDResource r : resources) {
            if (r != null) {
                r.attach(manager);
            }
        }
    }

    /** Hands {@code resource} (null passes through) to the parent manager: it outlives this scope. */
    public <T extends NDResource> T keep(T resource) {
        return resource == null ? null : manager.ret(resource);
    }

    @Override
    public void close() {
        manager.close();
    }
}
