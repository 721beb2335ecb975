package io.collapse.config;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The MLP activations of HF's {@code ACT2FN} that the models implement, by their config.json names. */
public enum Activation {
    RELU,
    /** The exact (erf) form, torch's default. */
    GELU,
    /** The tanh approximation: HF's gelu_new and gelu_pytorch_tanh. */
    GELU_TANH,
    /** x·sigmoid(x): HF's silu and swish. */
    SILU;

    private static final Map<String, Activation> HF_NAMES = new TreeMap<>(Map.of(
            "relu", RELU,
            "gelu", GELU,
            "gelu_new", GELU_TANH,
            "gelu_pytorch_tanh", GELU_TANH,
            "silu", SILU,
            "swish", SILU));

    /** @throws IllegalArgumentException naming {@code field} and the supported names */
    public static Activation fromHf(String field, String name) {
        Activation a = HF_NAMES.get(name);
        if (a == null) {
            throw new IllegalArgumentException("config: " + field + " '" + name + "' is not supported; expected one of "
                    + List.copyOf(HF_NAMES.keySet()));
        }
        return a;
    }
}
