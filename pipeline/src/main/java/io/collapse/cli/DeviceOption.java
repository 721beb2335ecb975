package io.collapse.cli;

import ai.djl.Device;
import io.collapse.config.DeviceConfig;
import io.collapse.model.Devices;
import picocli.CommandLine.Option;

/** {@code --device} (a {@code @Mixin}): where a model runs, for the model commands and the benchmarks. */
final class DeviceOption {

    @Option(names = "--device", defaultValue = "auto", paramLabel = "cpu|gpu|gpu:N|auto",
            description = "Where the model runs; auto: a GPU when one is visible, else the CPU (default: ${DEFAULT-VALUE}).")
    String name;

    /** Through {@link Devices#resolve}: a GPU that is not visible fails here, at start. */
    Device resolve() {
        return Devices.resolve(new DeviceConfig(name, false));
    }
}
