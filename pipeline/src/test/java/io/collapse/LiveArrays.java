package io.collapse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * The arrays alive under a manager, sampled at the same point of successive steps. DJL's {@code
 * getManagedArrays} counts those of the manager's sub-managers and the arrays they borrow too, so
 * with every scope opened under the model's manager ({@code model.Scope}) one count covers the run's
 * root, the optimizer's moments, the replicas, a decoder's cache: a step that leaks one array into
 * any of them makes the samples grow.
 */
public final class LiveArrays {

    private final NDManager manager;
    private final List<Integer> samples = new ArrayList<>();

    public LiveArrays(NDManager manager) {
        this.manager = manager;
    }

    public void sample() {
        samples.add(manager.getManagedArrays().size());
    }

    /** At least {@code atLeast} samples from the {@code from}-th on, all equal. */
    public void assertSteady(int from, int atLeast) {
        List<Integer> steady = samples.subList(Math.min(from, samples.size()), samples.size());
        assertTrue(steady.size() >= atLeast, "expected at least " + atLeast + " samples from #" + from + ", got " + samples);
        for (int i = 1; i < steady.size(); i++) {
            assertEquals(steady.get(0), steady.get(i), "live arrays per step, from sample #" + from + ": " + samples);
        }
    }
}
