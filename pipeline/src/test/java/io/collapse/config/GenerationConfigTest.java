package io.collapse.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GenerationConfigTest {

    @Test
    void paperSettingsAndHfDefaults() throws Exception {
        GenerationConfig paper = GenerationConfig.paper(64);
        assertEquals(5, paper.numBeams());
        assertEquals(64, paper.minNewTokens());
        assertEquals(3.0, paper.repetitionPenalty());
        assertEquals("hf-4.35", paper.beamLengthRule());
        GenerationConfig parsed = ConfigLoader.fromTree(ConfigLoader.JSON.readTree("{\"strategy\": \"sample\"}"),
                GenerationConfig.class, List.of("top_p=0.9"), "test");
        assertEquals(1, parsed.numBeams());
        assertEquals(50, parsed.topK());
        assertEquals(0.9, parsed.topP());
        assertTrue(parsed.useCache());
        // Round trip through JSON (the corpus manifest records it).
        assertEquals(paper, ConfigLoader.JSON.readValue(ConfigLoader.JSON.writeValueAsString(paper), GenerationConfig.class));
    }

    @Test
    void badValuesNameTheField() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new GenerationConfig(Strategy.BEAM, 5, 6, null, null, null, 8, null, null, null, null, null, null, null, null));
        assertTrue(e.getMessage().contains("num_return_sequences"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new GenerationConfig(Strategy.BEAM, null, null, null, "sometimes", null, 8, null, null, null, null, null, null, null, null));
        assertTrue(e.getMessage().contains("early_stopping"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new GenerationConfig(Strategy.GREEDY, null, null, null, null, 9, 8, null, null, null, null, null, null, null, null));
        assertTrue(e.getMessage().contains("min_new_tokens"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new GenerationConfig(Strategy.SAMPLE, null, null, null, null, null, 8, null, null, null, null, 1.5, null, null, null));
        assertTrue(e.getMessage().contains("top_p"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new GenerationConfig(Strategy.BEAM, null, null, null, null, null, 8, null, null, null, null, null, null, "hf-5", null));
        assertTrue(e.getMessage().contains("beam_length_rule"), e.getMessage());
    }
}
