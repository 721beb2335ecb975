package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.config.LmConfig;
import io.collapse.config.OptConfig;
import io.collapse.config.Presets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What bench eval counts and prints; no timing is asserted. */
class BenchEvalCommandTest {

    @Test
    void countsTheMatmulWeightsATokenGoesThrough() throws Exception {
        // opt-125m: 12 layers × (4·768² + 2·768·3072) + the tied LM head 50272·768.
        assertEquals(12L * (4 * 768 * 768 + 2 * 768 * 3072) + 50272L * 768,
                Presets.get("opt-125m").matmulParameters());
        // case b projects 32-wide embeddings to 64: project_in and project_out count, the head is 50272·32.
        OptConfig caseB = (OptConfig) LmConfig.read(Path.of("src/test/resources/hf-opt/case-b-postln-proj/config.json"));
        assertEquals(2L * (4 * 64 * 64 + 2 * 64 * 256) + 2L * 64 * 32 + 50272L * 32, caseB.matmulParameters());
    }

    @Test
    void aMatmulSizeOrATimeOutOfRangeIsRefusedInOneLine() throws Exception {
        Cli.Result run = Cli.run("bench", "eval", "--preset", "tiny", "--device", "cpu", "--matmul-size", "0");
        assertEquals(1, run.code());
        assertEquals("error: --matmul-size: expected 1..8192 on the CPU, got 0", run.err().strip());
        // A typo's terabytes or years: refused before any work. On the CPU, 32768 alone takes a quarter of an hour.
        run = Cli.run("bench", "eval", "--preset", "tiny", "--device", "cpu", "--matmul-size", "32768");
        assertEquals("error: --matmul-size: expected 1..8192 on the CPU, got 32768", run.err().strip());
        run = Cli.run("bench", "eval", "--preset", "tiny", "--device", "cpu", "--batch-size", "-1");
        assertEquals("error: --batch-size must be >= 1, got -1", run.err().strip());
        run = Cli.run("bench", "eval", "--preset", "tiny", "--device", "cpu", "--seconds", "1e9");
        assertEquals("error: --seconds must lie in [0.0, 3600.0], got 1.0E9", run.err().strip());
        run = Cli.run("bench", "train", "--preset", "tiny", "--device", "cpu", "--steps", "134217728", "--warmup", "0");
        assertEquals("error: --warmup + --steps must lie in [1, 10000], got 134217728", run.err().strip());
    }

    @Test
    void printsOneJsonLine() throws Exception {
        Cli.Result run = Cli.run("bench", "eval", "--preset", "tiny", "--batch-size", "2", "--block-size", "8",
                "--seconds", "0.1", "--matmul-size", "64");
        assertEquals(0, run.code(), run.err());
        String[] lines = run.out().strip().split("\n");
        assertEquals(1, lines.length, run.out());
        JsonNode line = new ObjectMapper().readTree(lines[0]);
        assertEquals("eval", line.get("bench").asText());
        assertEquals(2 * Presets.get("tiny").matmulParameters(), line.get("flops_per_token").asLong());
        assertTrue(line.get("batches").asInt() >= 1, lines[0]);
        // Tokens over at least 0.1 s, printed to 1e-3 s (0.5 % at most); the rate printed to 0.1.
        double tokensPerS = line.get("batches").asInt() * 2 * 8 / line.get("seconds").asDouble();
        assertEquals(tokensPerS, line.get("tokens_per_s").asDouble(), 0.05 + tokensPerS * 0.006, lines[0]);
        assertMfu(line, "flops_per_token");
    }

    /**
     * A bench line's mfu is its model flops (per token × tokens per second) over the matmul rate,
     * from the printed values: the rate rounded to 0.1, the matmul to 0.01 GFLOP/s, the mfu to 1e-4.
     */
    static void assertMfu(JsonNode line, String flopsPerToken) {
        double tokensPerS = line.get("tokens_per_s").asDouble();
        double matmul = line.get("matmul_gflops_per_s").asDouble();
        double mfu = line.get(flopsPerToken).asLong() * tokensPerS / (matmul * 1e9);
        double rounding = 5e-5 + 2 * mfu * (0.05 / tokensPerS + 0.005 / matmul);
        assertEquals(mfu, line.get("mfu").asDouble(), rounding, line.toString());
    }
}
