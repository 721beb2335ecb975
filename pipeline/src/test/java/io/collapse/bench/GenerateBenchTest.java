package io.collapse.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.collapse.TestDevice;
import io.collapse.config.Presets;
import io.collapse.config.Strategy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the generate bench decodes and reports; no timing is asserted. */
class GenerateBenchTest {

    @Test
    void measuresEachStrategyBatchAndCacheSettingWithTheStepsItDecoded() throws Exception {
        List<GenerateBench.Measurement> measured = new ArrayList<>();
        GenerateBench.run(new GenerateBench.Settings(Presets.get("tiny"), List.of(Strategy.SAMPLE, Strategy.BEAM),
                List.of(1, 2), 4, 3, 1, 2, TestDevice.device()), measured::add);
        // per strategy: batch 1 with and without the cache, batch 2 with it only (--no-cache-max-batch 1)
        assertEquals(6, measured.size());
        List<String> seen = measured.stream().map(m -> m.config().strategy() + "/" + m.batch() + "/" + m.config().useCache())
                .toList();
        assertEquals(List.of("sample/1/true", "sample/1/false", "sample/2/true", "beam/1/true", "beam/1/false", "beam/2/true"),
                seen);
        for (GenerateBench.Measurement m : measured) {
            assertEquals(3, m.steps(), seen.toString()); // min = max new tokens: every call decodes exactly 3
            assertEquals(2, m.repeats());
            assertEquals(m.batch() * 3 / m.medianSeconds(), m.newTokensPerS(), 1e-9);
        }
        assertEquals(1, measured.get(0).config().numBeams());
        assertEquals(5, measured.get(3).config().numBeams());
        assertEquals(3.0, measured.get(3).config().repetitionPenalty()); // the paper's beam setting
    }
}
