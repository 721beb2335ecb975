package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
            // The rate is batch × new tokens over the median time, both printed rounded: the rate to 0.1,
            // the time to 1e-4 s, which moves the quotient by up to rate × 5e-5 / seconds (twice that allowed).
            double seconds = l.get("median_seconds").asDouble();
            double rate = l.get("batch").asInt() * 3 / seconds;
            assertEquals(rate, l.get("new_tokens_per_s").asDouble(), 0.05 + rate * 1e-4 / seconds, l.toString());
        }
        assertEquals(5, lines.get(0).get("num_beams").asInt());
        assertEquals("sample", lines.get(5).get("strategy").asText());
    }

    /** Sizes out of range are named before the memory estimate (which a negative size turned into exabytes) or any work. */
    @Test
    void sizesOutOfRangeAreNamed() {
        String[][] cases = {
            {"--batch-sizes", "-1", "error: --batch-sizes must be >= 1, got -1"},
            {"--batch-sizes", "0", "error: --batch-sizes must be >= 1, got 0"},
            {"--prompt-tokens", "-1", "error: --prompt-tokens must be >= 1, got -1"},
            {"--prompt-tokens", "5000", "error: --prompt-tokens + --new-tokens (the model's max_position_embeddings at most)"
                    + " must lie in [2, 256], got 5032"},
        };
        for (String[] c : cases) {
            Cli.Result run = Cli.run("bench", "generate", c[0], c[1], "--repeats", "1");
            assertEquals(1, run.code(), String.join(" ", c));
            assertEquals(c[2], run.err().strip());
        }
    }
}
