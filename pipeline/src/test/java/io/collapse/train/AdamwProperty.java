package io.collapse.train;

import java.util.function.Supplier;

/** Runs code under a {@code -Dcollapse.adamw} value, so a test can hold the fused forms against the per-tensor ones. */
final class AdamwProperty {

    private AdamwProperty() {}

    static <T> T with(String value, Supplier<T> body) {
        String before = System.getProperty(FusedAdamW.PROPERTY);
        System.setProperty(FusedAdamW.PROPERTY, value);
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
