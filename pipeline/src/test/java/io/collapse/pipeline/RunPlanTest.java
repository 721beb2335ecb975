package io.collapse.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.config.ConfigLoader;
import io.collapse.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunPlanTest {

    @TempDir Path tmp;

    @Test
    void oneRunIsNamedByConfigAndSeedAndASweepGoesUnderItsFolderWithSweepJson() throws Exception {
        RunConfig smoke = RunConfig.load("smoke", List.of());
        RunPlan single = RunPlan.of(List.of(smoke), List.of(7L), null, null, tmp);
        assertNull(single.sweepRoot());
        assertEquals(List.of(tmp.resolve(smoke.name() + "-seed7")), single.runs().stream().map(RunPlan.Run::dir).toList());
        assertEquals(tmp.resolve("mine"), RunPlan.of(List.of(smoke), null, tmp.resolve("mine"), null, tmp).runs().get(0).dir());

        RunPlan sweep = RunPlan.of(List.of(smoke), List.of(1L, 2L), null, null, tmp);
        assertEquals(tmp.resolve("sweep"), sweep.sweepRoot());
        assertEquals(List.of(1L, 2L), sweep.runs().stream().map(r -> r.config().experiment().seed()).toList());
        assertEquals(tmp.resolve("sweep").resolve(smoke.name() + "-seed2"), sweep.runs().get(1).dir());
        sweep.writeSweep();
        assertEquals(ConfigLoader.JSON.valueToTree(Map.of("runs", List.of(smoke.name() + "-seed1", smoke.name() + "-seed2"))),
                ConfigLoader.JSON.readTree(tmp.resolve("sweep/sweep.json").toFile()));

        // A second sweep into the same folder adds its runs; the first sweep's stay listed (a seed in both, once).
        RunPlan.of(List.of(smoke), List.of(2L, 3L), null, null, tmp).writeSweep();
        assertEquals(ConfigLoader.JSON.valueToTree(Map.of("runs",
                        List.of(smoke.name() + "-seed1", smoke.name() + "-seed2", smoke.name() + "-seed3"))),
                ConfigLoader.JSON.readTree(tmp.resolve("sweep/sweep.json").toFile()));

        // Names only, of the sweep's own folders: a path would read (and report) runs from anywhere.
        for (String name : List.of("../../etc", "/etc", "a/b", "..", " ")) {
            Files.writeString(tmp.resolve("sweep/sweep.json"), ConfigLoader.JSON.writeValueAsString(
                    Map.of("runs", List.of(name))));
            var refused = assertThrows(java.io.IOException.class, () -> RunPlan.discover(List.of(tmp.resolve("sweep")), false));
            assertEquals(tmp.resolve("sweep/sweep.json") + ": expected the names of the sweep's run folders in \"runs\", got "
                    + ConfigLoader.JSON.writeValueAsString(name), refused.getMessage());
        }

        var e = assertThrows(IllegalArgumentException.class,
                () -> RunPlan.of(List.of(smoke), List.of(1L, 2L), tmp.resolve("one"), null, tmp));
        assertEquals("--run-dir names one run; a sweep (2 runs) takes --sweep-dir", e.getMessage());
    }

    /** A sweep's folder holds its sweep.json, its runs and what a kill left of its own writes; never the user's files. */
    @Test
    void aSweepFolderOfTheUsersIsRefused() throws Exception {
        RunConfig smoke = RunConfig.load("smoke", List.of());
        Path mine = tmp.resolve("mine");
        RunPlan two = RunPlan.of(List.of(smoke), List.of(1L, 2L), null, mine, tmp);
        Files.createDirectories(mine.resolve(smoke.name() + "-seed1"));
        Files.writeString(mine.resolve(".sweep.json.123.tmp"), "{\"ru"); // a kill during the first sweep.json write
        Files.writeString(mine.resolve("slurm-42.out"), "a scheduler's log");
        two.writeSweep();
        assertTrue(Files.isRegularFile(mine.resolve("sweep.json")));
        Path users = Files.createDirectories(tmp.resolve("users"));
        Files.writeString(users.resolve("thesis.tex"), "\\documentclass{article}");
        RunPlan into = RunPlan.of(List.of(smoke), List.of(1L, 2L), null, users, tmp);
        var e = assertThrows(java.io.IOException.class, into::writeSweep);
        assertEquals(users + ": holds thesis.tex but no sweep.json; expected a new or empty folder, or a sweep directory"
                + " to continue", e.getMessage());
        assertFalse(Files.exists(users.resolve("sweep.json")));
    }

    /** The end-of-run summary names the report only where one was written, and one this start did not write as older. */
    @Test
    void theSummaryNamesAReportOnlyWhereThereIsOne() throws Exception {
        Path run = tmp.resolve("run");
        for (boolean written : new boolean[] {true, false}) {
            assertTrue(RunPlan.summary(run, written).contains("\n  report: none written (./collapse report " + run + ")\n"),
                    RunPlan.summary(run, written));
        }
        Path index = run.resolve(RunFiles.REPORT).resolve(RunFiles.INDEX);
        Files.createDirectories(index.getParent());
        Files.writeString(index, "<html></html>");
        assertTrue(RunPlan.summary(run, true).contains("\n  report: " + index + "\n"), RunPlan.summary(run, true));
        assertTrue(RunPlan.summary(run, false).contains("\n  report: " + index + " (from an earlier start; ./collapse report "
                + run + " brings it up to date)\n"), RunPlan.summary(run, false));
    }

    /** --seeds S --sweep-dir DIR is a sweep of one (added to sweep.json); a run begun in the runs root, as it was placed before, continues there. */
    @Test
    void aSweepOfOneSeedGoesUnderItsFolderUnlessItWasBegunOutside() throws Exception {
        RunConfig smoke = RunConfig.load("smoke", List.of());
        RunPlan one = RunPlan.of(List.of(smoke), List.of(4L), null, tmp.resolve("sw"), tmp);
        assertEquals(tmp.resolve("sw"), one.sweepRoot());
        assertEquals(List.of(tmp.resolve("sw").resolve(smoke.name() + "-seed4")), one.runs().stream().map(RunPlan.Run::dir).toList());
        Path begun = Files.createDirectories(tmp.resolve(smoke.name() + "-seed5"));
        Files.writeString(begun.resolve(RunFiles.RUN), "{}");
        RunPlan old = RunPlan.of(List.of(smoke), List.of(5L), null, tmp.resolve("sw"), tmp);
        assertNull(old.sweepRoot());
        assertEquals(List.of(begun), old.runs().stream().map(RunPlan.Run::dir).toList());
    }
}
