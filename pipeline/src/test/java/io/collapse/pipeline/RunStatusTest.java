package io.collapse.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.collapse.config.RunConfig;
import io.collapse.train.EventLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunStatusTest {

    @TempDir Path runDir;

    /** A phase_start whose time is not a time (a hand-edited or damaged log) is passed over, as EventLog passes over torn lines. */
    @Test
    void anEventWithoutAReadableTimeIsSkipped() throws IOException {
        RunManifest.createOrCheckData(runDir, null, RunConfig.load("smoke", List.of()), Map.of("train", "a"));
        RunState.fresh().complete(0, RunState.Phase.TRAIN, 2).write(runDir);
        try (EventLog events = new EventLog(runDir.resolve(RunFiles.EVENTS))) {
            events.append(RunEvent.PHASE_DONE.id(), Map.of("generation", 0, "phase", "train", "seconds", 5.0));
        }
        Files.writeString(runDir.resolve(RunFiles.EVENTS), "{\"event\":\"phase_start\",\"generation\":0,\"phase\":\"eval\"}\n"
                + "{\"event\":\"phase_start\",\"time\":5,\"generation\":0,\"phase\":\"eval\"}\n", StandardOpenOption.APPEND);
        RunStatus status = RunStatus.read(runDir);
        assertEquals(1, status.state().phasesDone());
        assertNotNull(status.etaSeconds(), "the eta from the phase that finished");
    }
}
