package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchGenerateCommandTest {

    @Test
    void printsOneJsonLinePerMeasurement() throws Exception {
        Cli.Result run = Cli.run("bench", "generate", "--batch-sizes", "1,2", "--prompt-tokens", "4", "--new-tokens", "3",
                "--repeats", "1", "--no-cache-max-batch", "1");
        assertEquals(0, run.code(), run.err());
        List<JsonNode> lines = new ArrayList<>();
        for (String line : run.out().strip().split("\n")) {
            lines.add(new ObjectMapper().readTree(line));
        }
        // beam and sample × (batch 1 with and without cache, batch 2 with cache)
        assertEquals(6, lines.size(), run.out());
        for (JsonNode l : lines) {
            assertEquals(3, l.get("steps").asInt());
            assertTrue(l.get("new_tokens_per_s").asDouble() > 0);
        }
        assertEquals(5, lines.get(0).get("num_beams").asInt());
        assertEquals("sample", lines.get(5).get("strategy").asText());
    }
}
