package io.collapse.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class GenerationConfigTest {

    @Test
    void paperSettingsAndHfDefaults() throws Exception {
        GenerationConfig paper = GenerationConfig.paper(64);
        assertEquals(5, paper.numBeams());
        assertEquals(64, paper.minNewTokens());
        assertEquals(3.0, paper.repetitionPenalty());
        assertEquals(BeamLengthRule.HF_4_35, paper.beamLengthRule());
        assertEquals(EarlyStopping.FALSE, paper.earlyStopping());
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
                () -> GenerationConfig.of(ConfigLoader.fields("strategy", Strategy.BEAM, "num_beams", 5,
                        "num_return_sequences", 6, "max_new_tokens", 8)));
        assertTrue(e.getMessage().contains("num_return_sequences"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GenerationConfig.of(ConfigLoader.fields("strategy", Strategy.GREEDY, "min_new_tokens", 9,
                        "max_new_tokens", 8)));
        assertTrue(e.getMessage().contains("min_new_tokens"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GenerationConfig.of(ConfigLoader.fields("strategy", Strategy.SAMPLE, "max_new_tokens", 8,
                        "top_p", 1.5)));
        assertTrue(e.getMessage().contains("top_p"), e.getMessage());
        // A temperature that overflows float32 logits is named, not left to "the processors forbade the whole vocabulary".
        e = assertThrows(IllegalArgumentException.class,
                () -> GenerationConfig.of(ConfigLoader.fields("strategy", Strategy.SAMPLE, "max_new_tokens", 8,
                        "temperature", 1e-300)));
        assertEquals("generation.temperature must be >= 1.0E-30 (a smaller one divides float32 logits past their range),"
                + " got 1.0E-300", e.getMessage());
    }

    /** HF's JSON spells early_stopping as a boolean or a string; the rules by version name; both write back as read. */
    @Test
    void earlyStoppingAndBeamRuleTakeHfSpellings() throws Exception {
        assertEquals(EarlyStopping.TRUE, parse("{\"early_stopping\": true}").earlyStopping());
        assertEquals(EarlyStopping.FALSE, parse("{\"early_stopping\": \"false\"}").earlyStopping());
        assertEquals(EarlyStopping.NEVER, parse("{\"early_stopping\": \"never\"}").earlyStopping());
        assertEquals(BeamLengthRule.HF_4_36, parse("{\"beam_length_rule\": \"hf-4.36\"}").beamLengthRule());
        GenerationConfig hf5 = parse("{\"beam_length_rule\": \"hf-5\", \"early_stopping\": \"never\"}");
        String json = ConfigLoader.JSON.writeValueAsString(hf5);
        assertTrue(json.contains("\"early_stopping\" : \"never\"") && json.contains("\"beam_length_rule\" : \"hf-5\""), json);
        assertTrue(BeamLengthRule.HF_4_36.newTokensOnly() && !BeamLengthRule.HF_4_36.vectorized());
        assertTrue(BeamLengthRule.HF_5.newTokensOnly() && BeamLengthRule.HF_5.vectorized());
        assertTrue(!BeamLengthRule.HF_4_35.newTokensOnly() && !BeamLengthRule.HF_4_35.vectorized());

        var e = assertThrows(IOException.class, () -> parse("{\"early_stopping\": \"sometimes\"}"));
        assertEquals("generation: generation.early_stopping must be one of [true, false, never], got 'sometimes'", e.getMessage());
        e = assertThrows(IOException.class, () -> parse("{\"beam_length_rule\": \"hf-4.37\"}"));
        assertTrue(e.getMessage().contains("beam_length_rule") && e.getMessage().contains("[hf-4.35, hf-4.36, hf-5]")
                && e.getMessage().contains("'hf-4.37'"), e.getMessage());
    }

    private static GenerationConfig parse(String json) throws Exception {
        return ConfigLoader.fromTree(ConfigLoader.JSON.readTree(json), GenerationConfig.class, List.of(), "generation");
    }
}
