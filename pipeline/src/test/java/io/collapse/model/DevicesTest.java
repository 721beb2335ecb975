package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.collapse.config.DeviceConfig;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class DevicesTest {

    @Test
    void cpuAndCpuListsResolveOnAnyMachine() {
        assertEquals(List.of(Device.cpu()), Devices.resolveAll(new DeviceConfig("cpu", false)));
        assertEquals(List.of(Device.cpu()), Devices.resolveAll(new DeviceConfig(null, false, List.of("cpu"))));
        assertEquals(Device.cpu(), Devices.resolve(new DeviceConfig(null, false, List.of("cpu"))));
    }

    @Test
    void gpusWithoutAGpuFailOrFallBackToOneCpu() {
        Assumptions.assumeTrue(Devices.gpuCount() == 0, "this machine has a GPU");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Devices.resolveAll(new DeviceConfig("gpus", false)));
        assertTrue(e.getMessage().contains("device 'gpu' asked for but no CUDA device is visible"), e.getMessage());
        assertEquals(List.of(Device.cpu()), Devices.resolveAll(new DeviceConfig("gpus", true)));
        // Every missing GPU of a list falls back to the same CPU: one replica, not two.
        assertEquals(List.of(Device.cpu()), Devices.resolveAll(new DeviceConfig(null, true, List.of("gpu:0", "gpu:1"))));
    }

    @Test
    void aListIsCheckedWhenTheConfigIsMade() {
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> new DeviceConfig("gpu:0", false, List.of("gpu:1")));
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> new DeviceConfig(null, false, List.of("gpu:0", "gpu:0")));
        assertTrue(twice.getMessage().contains("names a device twice"), twice.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> new DeviceConfig(null, false, List.of("gpus")));
        assertTrue(bad.getMessage().contains("device.devices entries must be cpu, gpu or gpu:N; got 'gpus'"), bad.getMessage());
    }
}
