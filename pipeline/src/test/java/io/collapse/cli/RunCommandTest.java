package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.config.LmConfig;
import io.collapse.config.Presets;
import io.collapse.data.TokenBlocks;
import io.collapse.generate.SyntheticCorpus;
import io.collapse.model.CausalLM;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import io.collapse.pipeline.RunLock;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `collapse run`, `status` and sweeps, in process, on the seconds-long smoke config. */
class RunCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    /**
     * A base model's generation_config.json goes with it into the run (base/, every gen-NN/model/)
     * and decides where corpus rows end and what pads them, as transformers' generate takes it: here
     * it makes every token an eos, so each greedy row ends at its first token.
     */
    @Test
    void aBaseModelsGenerationConfigIsKeptAndDecidesWhereCorpusRowsEnd() throws Exception {
        Path base = tmp.resolve("base-model");
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            CausalLM model = AutoModelForCausalLM.random(Presets.get("tiny"), 0, manager, DataType.FLOAT32);
            HfModelDir.write(base, model.config(), model.stateDict(), HostTensor.DType.F32, null);
        }
        int vocab = Presets.get("tiny").vocabSize();
        String everyToken = IntStream.range(0, vocab).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]"));
        Files.writeString(base.resolve(HfModelDir.GENERATION_CONFIG), "{\"eos_token_id\": " + everyToken + "}");
        Path run = tmp.resolve("gencfg");
        Cli.Result r = Cli.run("run", "smoke", "--run-dir", run.toString(), "--no-progress", "--no-report",
                "--set", "model.base=" + base, "--set", "generation.strategy=greedy", "--set", "generation.num_beams=1",
                "--set", "generation.min_new_tokens=0", "--set", "experiment.generations=1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("note: generation stops at eos ids [0, 1, 2, 3, 4, 5, 6, 7]… (" + vocab + " ids) and pads"
                + " with 0, as " + run.resolve("base/generation_config.json") + " says (config.json: eos [2], pad 1)"), r.out());
        for (String copy : List.of("base", "gen-00/model")) {
            assertEquals(Files.readString(base.resolve(HfModelDir.GENERATION_CONFIG)),
                    Files.readString(run.resolve(copy).resolve(HfModelDir.GENERATION_CONFIG)), copy);
        }
        TokenBlocks corpus = SyntheticCorpus.read(run.resolve("gen-00/corpus"));
        assertEquals(48, corpus.numBlocks(), "one continuation per training block (smoke: data.train_blocks 48)");
        for (int i = 0; i < corpus.numBlocks(); i++) {
            int[] block = corpus.block(i);
            // Padded with the file's first eos, 0, not config.json's pad 1: HF takes no pad id from a file that has none.
            assertEquals(Collections.nCopies(block.length - 1, 0), Arrays.stream(block, 1, block.length).boxed().toList(),
                    "block " + i + " ended at its first token: " + Arrays.toString(block));
        }
    }

    @Test
    void accumulateFromThePreviousGenerationTrainsOnEveryCorpusSoFar() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("acc"));
        // A job's log redirected into the run folder, and a folder marker, may be there before the run; they stay.
        Files.writeString(run.resolve("run.log"), "mine");
        Files.writeString(run.resolve(".gitkeep"), "");
        Cli.Result r = Cli.run("run", "smoke", "--run-dir", run.toString(), "--no-progress", "--no-report",
                "--set", "experiment.data_mode=accumulate", "--set", "experiment.start_from=previous");
        assertEquals(0, r.code(), r.err());
        assertEquals("mine", Files.readString(run.resolve("run.log")));
        assertTrue(Files.exists(run.resolve(".gitkeep")));
        JsonNode gen1 = JSON.readTree(run.resolve("gen-01/eval.json").toFile());
        assertEquals(96, gen1.path("train").path("train_blocks").asInt(), "original 48 + gen-0's 48");
        assertEquals(48, gen1.path("train").path("original_blocks_kept").asInt());
        assertTrue(Files.isRegularFile(run.resolve("gen-00/real-ppl.f32")));
        // A finished generation keeps its model, not the resume state it trained with.
        assertTrue(Files.isRegularFile(run.resolve("gen-01/model/model.safetensors")));
        assertFalse(Files.exists(run.resolve("gen-00/train")) || Files.exists(run.resolve("gen-01/train")));
        assertEquals(48 * 4, Files.size(run.resolve("gen-01/corpus-ppl.f32")));

        Cli.Result status = Cli.run("status", run.toString(), "--json");
        assertEquals(0, status.code(), status.err());
        JsonNode s = JSON.readTree(status.out());
        assertTrue(s.path("finished").asBoolean());
        assertEquals(8, s.path("phases_done").asInt());
        assertEquals(2, s.path("metrics").size());
        assertEquals(gen1.path("test").path("corpus_ppl").asDouble(), s.path("metrics").get(1).path("test_corpus_ppl").asDouble());
        assertEquals(gen1.path("corpus").path("sha256").asText(), s.path("metrics").get(1).path("corpus_sha256").asText());

        Cli.Result again = Cli.run("run", "smoke", "--run-dir", run.toString(), "--no-progress", "--no-report",
                "--set", "experiment.data_mode=accumulate", "--set", "experiment.start_from=previous");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("resuming"), again.out());
    }

    /** A run begins only where nothing of the user's would be overwritten or swept away; nothing is written otherwise. */
    @Test
    void aFolderHoldingOtherFilesIsNotMadeARunDirectory() throws Exception {
        Path mine = Files.createDirectories(tmp.resolve("mine/report"));
        Files.writeString(mine.resolve("index.html"), "mine");
        Path dir = mine.getParent();
        Files.writeString(dir.resolve(".draft.tmp"), "mine");
        Cli.Result r = Cli.run("run", "smoke", "--run-dir", dir.toString(), "--no-progress", "--no-report");
        assertEquals(1, r.code());
        assertEquals("error: " + dir + ": holds .draft.tmp, report but no run.json; expected a new or empty folder, or a"
                + " run directory to continue", r.err().strip());
        try (var left = Files.list(dir)) {
            assertEquals(List.of(".draft.tmp", "report"), left.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    /** Blocks longer than the base model's positions are refused before the run directory is made, naming the field. */
    @Test
    void aBlockSizeOverTheModelsPositionsIsRefusedFirst() throws Exception {
        Path dir = tmp.resolve("long-blocks");
        Cli.Result r = Cli.run("run", "smoke", "--run-dir", dir.toString(), "--no-progress", "--no-report",
                "--set", "data.block_size=3000", "--set", "generation.max_new_tokens=3000", "--set", "generation.min_new_tokens=3000");
        assertEquals(1, r.code());
        assertEquals("error: data.block_size 3000 exceeds the base model's max_position_embeddings 256", r.err().strip());
        assertFalse(Files.exists(dir));
    }

    /** A base model whose weights do not fit its config.json is refused naming the weights file, before base/ is written. */
    @Test
    void aBaseWhoseWeightsDoNotFitIsRefusedBeforeItIsCopied() throws Exception {
        Path src = Files.createDirectory(tmp.resolve("wide"));
        Path caseB = Path.of("src/test/resources/hf-opt/case-b-postln-proj");
        Files.copy(caseB.resolve("model.safetensors"), src.resolve("model.safetensors"));
        Files.writeString(src.resolve("config.json"), Files.readString(caseB.resolve("config.json"))
                .replace("\"vocab_size\": 50272", "\"vocab_size\": 60000"));
        Path dir = tmp.resolve("run");
        Cli.Result r = Cli.run("run", "smoke", "--run-dir", dir.toString(), "--no-progress", "--no-report",
                "--set", "model.base=" + src);
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: " + src.resolve("model.safetensors") + ": state dict does not fit this opt config:"),
                r.err());
        assertFalse(Files.exists(dir.resolve("base")));
    }

    /** A start cut short before run.json may have left another model.base's copy: the next start makes base/ anew. */
    @Test
    void aBaseLeftByAStartCutShortIsMadeAnew() throws Exception {
        Path dir = tmp.resolve("cut-short");
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            CausalLM other = AutoModelForCausalLM.random(Presets.get("tiny-gpt2"), 0, manager, DataType.FLOAT32);
            HfModelDir.write(dir.resolve("base"), other.config(), other.stateDict(), HostTensor.DType.F32, null);
        }
        Files.writeString(dir.resolve("run.lock"), "");
        Cli.Result r = Cli.run("run", "smoke", "--run-dir", dir.toString(), "--no-progress", "--no-report",
                "--set", "experiment.generations=1");
        assertEquals(0, r.code(), r.err());
        assertEquals("opt", LmConfig.read(dir.resolve("base/config.json")).modelType(), "smoke's preset:tiny, an OPT");
    }

    @Test
    void aSweepWritesOneRunPerSeedAndOneReport() throws Exception {
        Path sweep = tmp.resolve("sweep");
        Cli.Result r = Cli.run("run", "smoke", "--seeds", "3,4", "--sweep-dir", sweep.toString(), "--no-progress",
                "--set", "experiment.generations=1");
        assertEquals(0, r.code(), r.err());
        JsonNode runs = JSON.readTree(sweep.resolve("sweep.json").toFile()).path("runs");
        assertEquals(List.of("smoke-seed3", "smoke-seed4"), List.of(runs.get(0).asText(), runs.get(1).asText()));
        for (String name : List.of("smoke-seed3", "smoke-seed4")) {
            assertTrue(Files.isRegularFile(sweep.resolve(name).resolve("gen-00/eval.json")), name);
            assertTrue(Files.isRegularFile(sweep.resolve(name).resolve("report/index.html")), name);
        }
        assertEquals(3, JSON.readTree(sweep.resolve("smoke-seed3/run.json").toFile()).path("seed").asInt());
        String page = Files.readString(sweep.resolve("report/index.html"));
        assertTrue(page.contains("smoke-seed3") && page.contains("smoke-seed4"), "the sweep report covers both runs");
        assertTrue(r.out().contains("sweep report: " + sweep.resolve("report/index.html") + "\n"), r.out());
        // Again: nothing left to run, so no report written; the summaries say theirs are older.
        Cli.Result again = Cli.run("run", "smoke", "--seeds", "3,4", "--sweep-dir", sweep.toString(), "--no-progress",
                "--set", "experiment.generations=1");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("sweep report: " + sweep.resolve("report/index.html") + " (from an earlier start;"
                + " ./collapse report " + sweep + " brings it up to date)"), again.out());
        assertTrue(again.out().contains("report: " + sweep.resolve("smoke-seed4/report/index.html") + " (from an earlier start;"),
                again.out());
        // Different seeds: different data order, different models.
        JsonNode a = JSON.readTree(sweep.resolve("smoke-seed3/gen-00/eval.json").toFile());
        JsonNode b = JSON.readTree(sweep.resolve("smoke-seed4/gen-00/eval.json").toFile());
        assertNotEquals(a.path("test"), b.path("test"));

        // status of a sweep: one line per run, a run the sweep lists but has not begun included.
        Path partial = Files.createDirectories(tmp.resolve("partial"));
        Files.createSymbolicLink(partial.resolve("smoke-seed3"), sweep.resolve("smoke-seed3"));
        Files.writeString(partial.resolve("sweep.json"), "{\"runs\": [\"smoke-seed3\", \"smoke-seed9\"]}");
        Cli.Result table = Cli.run("status", partial.toString(), partial.resolve("smoke-seed3").toString());
        assertEquals(0, table.code(), table.err());
        List<String> lines = table.out().strip().lines().toList();
        assertEquals(3, lines.size(), "a run named twice is listed once: " + table.out());
        assertTrue(lines.get(1).matches("smoke-seed3 +finished +4/4 +none +0m00s +-"), lines.get(1));
        assertTrue(lines.get(2).matches("smoke-seed9 +not started"), lines.get(2));
        JsonNode docs = JSON.readTree(Cli.run("status", sweep.toString(), "--json").out()).path("runs");
        assertEquals(2, docs.size());
        assertTrue(docs.get(1).path("finished").asBoolean() && docs.get(1).path("run_dir").asText().endsWith("smoke-seed4"));
        // A damaged run is one line, not the end of the table; status then exits 1.
        Path broken = Files.createDirectories(partial.resolve("smoke-seed9"));
        Files.writeString(broken.resolve("run.json"), "{ not json");
        Cli.Result damaged = Cli.run("status", partial.toString(), "--json");
        assertEquals(1, damaged.code());
        JsonNode note = JSON.readTree(damaged.out()).path("runs").get(1);
        assertTrue(note.path("note").asText().startsWith("unreadable: ") && note.path("run_dir").asText().endsWith("smoke-seed9"),
                note::toString);
    }

    /** The instant after `run` starts, before run.json: status names the starting process instead of refusing the folder. */
    @Test
    void statusOfARunDirectoryNotYetWithRunJsonSaysStartingThenNotStarted() throws Exception {
        Path run = tmp.resolve("starting");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        try (RunLock lock = RunLock.acquire(run, new PrintWriter(Writer.nullWriter()))) {
            Cli.Result r = Cli.run("status", run.toString());
            assertEquals(0, r.code(), r.err());
            List<String> lines = r.out().strip().lines().toList();
            assertTrue(lines.size() == 2 && lines.get(1).matches("starting +starting: pid " + ProcessHandle.current().pid() + " .*"),
                    r.out());
            // --json: one object, with run_dir, as a started run's (a script polling it sees one shape).
            JsonNode doc = JSON.readTree(Cli.run("status", run.toString(), "--json").out());
            assertEquals(run.toString(), doc.path("run_dir").asText(), doc::toString);
            assertTrue(doc.path("note").asText().startsWith("starting: pid "), doc::toString);
        }
        Cli.Result stopped = Cli.run("status", run.toString());
        assertEquals(0, stopped.code(), stopped.err());
        assertTrue(stopped.out().strip().lines().toList().get(1).matches("starting +not started"), stopped.out());
        // A folder not made yet is said to be missing, not "not a directory".
        Cli.Result missing = Cli.run("status", tmp.resolve("not-yet").toString());
        assertEquals("error: " + tmp.resolve("not-yet") + ": no such folder (yet?); expected a run directory or a sweep"
                + " directory", missing.err().strip());
        // A folder with nothing of a run's is still refused by name.
        Cli.Result none = Cli.run("status", empty.toString());
        assertEquals(1, none.code());
        assertTrue(none.err().contains(empty + ": not a run directory (no run.json)"), none.err());
        // A training folder (collapse train --out: run.lock and events.jsonl, no run.json) is named as one.
        Files.writeString(run.resolve("events.jsonl"), "{\"event\":\"step\"}\n");
        Cli.Result training = Cli.run("status", run.toString());
        assertEquals("error: " + run + ": a training folder (collapse train --out), not a run; its steps and validations are in "
                + run.resolve("events.jsonl") + ", and the same collapse train command continues it", training.err().strip());
    }

    @Test
    void aPhaseThatFailsIsRecordedAndStatusShowsIt() throws Exception {
        Path run = tmp.resolve("diverged");
        Cli.Result r = Cli.run("run", "smoke", "--run-dir", run.toString(), "--no-progress", "--no-report",
                "--set", "train.learning_rate=1e30");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("training diverged"), r.err());

        JsonNode failure = JSON.readTree(Cli.run("status", run.toString(), "--json").out()).path("failure");
        assertEquals(0, failure.path("generation").asInt());
        assertEquals("train", failure.path("phase").asText());
        assertEquals(r.err().strip(), "error: " + failure.path("error").asText(), "the same line the user saw");
        Cli.Result status = Cli.run("status", run.toString());
        assertTrue(status.out().contains("failed     " + failure.path("time").asText() + ", generation 0 train: training diverged"),
                status.out());
    }

    @Test
    void badArgumentsAreNamed() throws Exception {
        Cli.Result r = Cli.run("run", "no-such-config");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("config not found: no-such-config"), r.err());
        r = Cli.run("run", "smoke", "--seeds", "1,2", "--run-dir", tmp.resolve("x").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--sweep-dir"), r.err());
        r = Cli.run("status", tmp.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not a run directory"), r.err());
        // --sweep-dir with one run is not where the run goes (it never was): said, not silently dropped.
        Path users = Files.createDirectories(tmp.resolve("users"));
        Files.writeString(users.resolve("notes.txt"), "mine");
        r = Cli.run("run", "smoke", "--seed", "1", "--sweep-dir", tmp.resolve("sw").toString(), "--run-dir", users.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("warning: --sweep-dir " + tmp.resolve("sw") + " not used: this one run goes to " + users
                + " (a sweep is --seeds or several configs)\n"), r.err());
        assertFalse(Files.exists(tmp.resolve("sw")));
        r = Cli.run("run", "smoke", "--seed", "2", "--seeds", "3,4");
        assertEquals(1, r.code());
        assertEquals("error: --seed 2 and --seeds [3, 4]: give one (--seeds S --sweep-dir DIR for a sweep of one seed)",
                r.err().strip());
    }

    @Test
    void whatAConfigNamesIsCheckedBeforeTheRunDirectoryIsMade() {
        String[][] cases = {
                {"model.dtype=float16", "model.dtype 'float16' cannot be trained"},
                {"model.base=preset:huge", "unknown model preset 'huge'"},
                {"model.base=" + tmp.resolve("no-model"), "model.base: '" + tmp.resolve("no-model") + "' is not a model directory"},
                {"data.dataset=wikitext-9", "data.dataset: unknown dataset 'wikitext-9'; expected one of [wikitext-2-raw-v1, wikitext-2-v1]"},
                {"data.dataset=text:" + tmp.resolve("none.txt"), "data.dataset: corpus file " + tmp.resolve("none.txt") + " does not exist"},
                // Memory no machine has: 32 prompts × 100000 beams; a micro-batch of 10^6 blocks.
                {"generation.num_beams=100000", "run: experiment.corpus_batch 32 × 100000 beams per prompt needs about"},
                {"train.batch_size=1000000 train.micro_batch=1000000", "run: train.micro_batch 1000000 of 16-token blocks needs about"}};
        for (String[] c : cases) {
            Path run = tmp.resolve("run");
            List<String> args = new ArrayList<>(List.of("run", "smoke", "--run-dir", run.toString(), "--no-progress", "--no-report"));
            for (String set : c[0].split(" ")) {
                args.addAll(List.of("--set", set));
            }
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(1, r.code(), c[0] + ": " + r.err());
            assertTrue(r.err().startsWith("error: ") && r.err().contains(c[1]), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(run), c[0] + " created " + run);
        }
    }
}
