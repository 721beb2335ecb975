package io.collapse.train;

import java.util.function.Supplier;

/** Runs code with {@code -Dcollapse.adamw=per-tensor}, so a test can hold the fused forms against the per-tensor ones. */
final class PerTensorForm {

    private PerTensorForm() {}

    static <T> T with(Supplier<T> body) {
        String before = System.getProperty(FusedAdamW.PROPERTY);
        System.setProperty(FusedAdamW.PROPERTY, "per-tensor");
        try {
            return body.get();
        } finally {
            if (before == null) {
                System.clearProperty(FusedAdamW.PROPERTY);
            } else {
                System.setProperty(FusedAdamW.PROPERTY, before);
            }
        }
    }
}
