package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.report.MetricTable;
import io.collapse.report.SyntheticRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {

    @TempDir Path tmp;

    @Test
    void sweepDirectoryReportGoesToSweepReportByDefault() throws Exception {
        Path sweep = SyntheticRuns.sweep(tmp.resolve("sweep"));
        Cli.Result r = Cli.run("report", sweep.toString());
        assertEquals(0, r.code(), r.err());
        Path out = sweep.resolve("report");
        assertTrue(r.out().contains("wrote 12 files"), r.out());
        for (String f : List.of("index.html", "metrics.csv", "metrics-by-regime.csv", "metrics.json",
                "ppl-histograms.png", "ppl-histograms.svg", "ppl-histograms-multiples.png", "ppl-histograms-multiples.svg",
                "test-perplexity.png", "test-perplexity.svg", "collapse-measures.png", "collapse-measures.svg")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(1 + 4 * 4, csv.size());
        assertEquals(5 + MetricTable.COLUMNS.size(), csv.get(0).split(",").length);
    }

    @Test
    void severalRunDirectoriesWithJsonOutput() throws Exception {
        SyntheticRuns.run(tmp.resolve("r1"), "a", 0, 2);
        SyntheticRuns.run(tmp.resolve("r2"), "b", 0, 3);
        Cli.Result r = Cli.run("report", tmp.resolve("r1").toString(), tmp.resolve("r2").toString(),
                "--out", tmp.resolve("both").toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals(2, doc.get("runs").size());
        assertEquals(2, doc.get("runs").get(0).get("generations").asInt());
        assertEquals(3, doc.get("runs").get(1).get("generations").asInt());
        assertTrue(doc.get("index").asText().endsWith("index.html"));
        JsonNode metrics = new ObjectMapper().readTree(tmp.resolve("both/metrics.json").toFile());
        assertEquals((2 + 1) + (3 + 1), metrics.get("rows").size());
        assertEquals(0, metrics.get("warnings").size());
    }

    @Test
    void severalDirectoriesNeedOut() throws Exception {
        SyntheticRuns.run(tmp.resolve("r1"), "a", 0, 1);
        SyntheticRuns.run(tmp.resolve("r2"), "a", 1, 1);
        Cli.Result r = Cli.run("report", tmp.resolve("r1").toString(), tmp.resolve("r2").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--out is required"), r.err());
    }

    @Test
    void aDirectoryWithoutRunsIsAClearError() {
        Cli.Result r = Cli.run("report", tmp.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no run.json"), r.err());
    }

    /** A first start stopped before run.json (only its run.lock): no report is written there, which would block its next start. */
    @Test
    void aRunThatNeverWroteRunJsonGetsNoReportFolder() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("stopped"));
        Files.writeString(run.resolve("run.lock"), "");
        Cli.Result r = Cli.run("report", run.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(run + ": not a run directory (no run.json)"), r.err());
        assertEquals(List.of(run.resolve("run.lock")), Files.list(run).toList());
    }

    /** An empty path is refused as a usage error, for every command: Path.of("") is the current folder. */
    @Test
    void anEmptyPathIsNotTheCurrentFolder() {
        for (String[] args : List.of(new String[] {"report", ""}, new String[] {"eval", "--cache-dir", "", "--model", "x"},
                new String[] {"status", " "})) {
            Cli.Result r = Cli.run(args);
            assertEquals(2, r.code(), String.join(" ", args));
            assertTrue(r.err().contains("expected a path, got an empty string"), r.err());
        }
    }
}
