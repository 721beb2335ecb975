package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.train.EventLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that ran out of memory continues with smaller batches (the two memory settings, and only
 * those), end to end in child JVMs: killed in training, continued with half the micro-batch, killed
 * in its corpus, continued with half the corpus batch; run.json, events, manifests and status say so.
 * And a run that runs out of device memory says which of them to lower, and how to continue.
 */
class RunMemorySettingsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    @Test
    void aRunContinuesWithSmallerBatchesWhereItStopped() throws Exception {
        ChildRuns runs = new ChildRuns(tmp);
        Path run = tmp.resolve("smaller");
        runs.killAt(run, "1,0,\"event\":\"checkpoint\""); // generation 0's training, after its step-2 checkpoint
        List<String> resume = ChildRuns.resumeArgs(run);

        // Half the micro-batch: training goes on from its checkpoint; killed after the corpus's first shard.
        List<String> smallerMicro = new ArrayList<>(resume);
        smallerMicro.addAll(List.of("--set", "train.micro_batch=2"));
        Process p = runs.start(run, smallerMicro, "1,0,wrote " + run.resolve("gen-00/corpus/manifest.json"));
        assertEquals(ChildRuns.HALTED, runs.awaitExit(p), () -> runs.output(p));
        assertTrue(runs.output(p).contains("note: continuing with train.micro_batch: 4 -> 2"), runs.output(p));
        JsonNode firstShard = JSON.readTree(run.resolve("gen-00/corpus/manifest.json").toFile()).path("shards").get(0);
        Cli.Result stopped = Cli.run("status", run.toString());
        assertTrue(stopped.out().matches("(?s).*\neta        \\d+m\\d\\ds of work left \\(no process is running\\)\n.*"), stopped.out());

        // Half the corpus batch: the corpus goes on after its first shard.
        List<String> smallerCorpusBatch = new ArrayList<>(resume);
        smallerCorpusBatch.addAll(List.of("--set", "experiment.corpus_batch=4"));
        Process q = runs.start(run, smallerCorpusBatch);
        assertEquals(0, q.waitFor(), () -> runs.output(q));

        JsonNode manifest = JSON.readTree(run.resolve("run.json").toFile());
        assertEquals(2, manifest.path("config").path("train").path("micro_batch").asInt());
        assertEquals(4, manifest.path("config").path("experiment").path("corpus_batch").asInt());
        JsonNode changes = manifest.path("changes");
        assertEquals(List.of("train.micro_batch: 4 -> 2", "experiment.corpus_batch: 8 -> 4"),
                List.of(change(changes.get(0)), change(changes.get(1))), changes::toString);
        String events = ChildRuns.readOrEmpty(run.resolve("events.jsonl"));
        assertEquals(2, events.split("\"event\":\"config_changed\"", -1).length - 1, events);
        assertEquals(List.of(2L), EventLog.read(run.resolve("events.jsonl")).stream()
                .filter(e -> e.path("event").asText().equals("resume")).map(e -> e.path("step").asLong()).toList(),
                "training went on from its step-2 checkpoint");
        JsonNode corpus = JSON.readTree(run.resolve("gen-00/corpus/manifest.json").toFile());
        assertEquals(4, corpus.path("batch_size").asInt());
        assertEquals(firstShard, corpus.path("shards").get(0), "the shard written before the change is kept");
        assertEquals(8, firstShard.path("batch_size").asInt());
        assertEquals(4, corpus.path("shards").get(1).path("batch_size").asInt());
        assertTrue(JSON.readTree(run.resolve("state.json").toFile()).path("finished").asBoolean());
        for (String gen : List.of("gen-00", "gen-01")) { // evaluated before any change was recorded, and after
            JsonNode test = JSON.readTree(run.resolve(gen + "/eval.json").toFile()).path("test");
            assertEquals(4, test.path("batch_size").asInt(), gen + ": mean_batch_ppl over the micro-batch the run began with");
        }

        // Anything else is refused, naming what may change.
        List<String> otherSetting = new ArrayList<>(resume);
        otherSetting.addAll(List.of("--set", "train.epochs=3"));
        Process r = runs.start(run, otherSetting);
        assertEquals(1, r.waitFor());
        assertTrue(runs.output(r).contains("only train.micro_batch and experiment.corpus_batch may change"), runs.output(r));
    }

    /**
     * The device runs out of memory in the corpus, right after its first shard (HaltHook's oom: CUDA's
     * message, thrown there): the run stops with exit 1 and one line that names the setting and the
     * command; events.jsonl and status keep the failure; that command finishes the run, keeping the shard.
     */
    @Test
    void runningOutOfMemoryKeepsTheWorkAndNamesTheCommandThatContinues() throws Exception {
        ChildRuns runs = new ChildRuns(tmp);
        Path run = tmp.resolve("oom");
        Process p = runs.start(run, ChildRuns.SMOKE, "1,oom,wrote " + run.resolve("gen-00/corpus/manifest.json"));
        assertEquals(1, runs.awaitExit(p), () -> runs.output(p));
        String advice = "collapse resume " + run + " --set experiment.corpus_batch=4";
        assertTrue(runs.output(p).contains("generation 0 corpus ran out of memory (CUDA out of memory. Tried to allocate"
                + " 2.00 GiB"), runs.output(p));
        assertTrue(runs.output(p).contains("what is finished is kept: continue with `" + advice
                + "` (now 8; it must divide experiment.corpus_shard_blocks 8)"), runs.output(p));
        JsonNode failed = EventLog.read(run.resolve("events.jsonl")).stream()
                .filter(e -> e.path("event").asText().equals("phase_failed")).findFirst().orElseThrow();
        assertEquals("corpus", failed.path("phase").asText());
        assertTrue(failed.path("error").asText().contains(advice), failed::toString);
        Cli.Result status = Cli.run("status", run.toString());
        assertTrue(status.out().contains("\nfailed     ") && status.out().contains("generation 0 corpus: generation 0 corpus ran out"
                + " of memory"), status.out());
        JsonNode firstShard = JSON.readTree(run.resolve("gen-00/corpus/manifest.json").toFile()).path("shards").get(0);

        List<String> continued = new ArrayList<>(ChildRuns.resumeArgs(run));
        continued.addAll(List.of("--set", "experiment.corpus_batch=4"));
        Process q = runs.start(run, continued);
        assertEquals(0, q.waitFor(), () -> runs.output(q));
        JsonNode corpus = JSON.readTree(run.resolve("gen-00/corpus/manifest.json").toFile());
        assertEquals(firstShard, corpus.path("shards").get(0), "the shard written before running out is kept");
        assertTrue(JSON.readTree(run.resolve("state.json").toFile()).path("finished").asBoolean());
    }

    private static String change(JsonNode c) {
        return c.path("setting").asText() + ": " + c.path("from") + " -> " + c.path("to");
    }
}
