package io.collapse.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.LiveArrays;
import io.collapse.TestDevice;
import io.collapse.config.ConfigLoader;
import io.collapse.config.LmConfig;
import io.collapse.config.OptConfig;
import io.collapse.config.Schedule;
import io.collapse.config.TrainConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.model.CausalLM;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import io.collapse.model.hf.Safetensors;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FineTuneTest {

    /** Relative difference allowed between repeated GPU runs (see assertSameLosses); not yet measured on a GPU. */
    private static final double GPU_REPEAT_TOL = 1e-5;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Validation and a checkpoint every 2 steps and per epoch: 12 steps in all. */
    private static final TrainConfig CHECKPOINTING = config(2, 4, 2, 2);

    private static final RuntimeException KILL = new RuntimeException("simulated kill");

    @TempDir Path tmp;

    private static TrainConfig config(int epochs, int batch, int micro, int validEvery) {
        return TinyTraining.config(epochs, batch, micro, Schedule.PAPER_EPOCH_LINEAR, validEvery);
    }

    private static FineTune.Result train(Path out, TrainConfig config, FineTune.Listener listener) throws Exception {
        return TinyTraining.train(out, config, listener);
    }

    @Test
    void sameSeedSameDataGivesBitwiseEqualLosses() throws Exception {
        TrainConfig config = config(2, 4, 2, 0);
        FineTune.Result a = train(tmp.resolve("a"), config, FineTune.Listener.NONE);
        FineTune.Result b = train(tmp.resolve("b"), config, FineTune.Listener.NONE);
        assertEquals(12, a.stepLosses().size()); // 22 blocks / 4 = 5 full steps + 1 short, 2 epochs
        assertSameLosses(a.stepLosses(), b.stepLosses());
        assertSameRun(a, b);
        assertTrue(a.stepLosses().get(11) < a.stepLosses().get(0), "loss went down: " + a.stepLosses());
    }

    @Test
    void accumulatedMicroBatchesGiveTheFullBatchGradient() throws Exception {
        TokenBlocks train = TinyTraining.blocks(8, 16, 3);
        List<float[]> weights = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        for (int micro : new int[] {8, 2, 1}) {
            TrainConfig config = TrainConfig.of(ConfigLoader.fields("epochs", 1, "batch_size", 8, "micro_batch", micro,
                    "learning_rate", 1e-2, "weight_decay", 0.0, "schedule", Schedule.CONSTANT, "seed", 5));
            try (NDManager manager = TestDevice.manager()) {
                CausalLM model = AutoModelForCausalLM.random(TinyTraining.model(0.0), 11, manager, DataType.FLOAT32);
                Path out = tmp.resolve("micro" + micro);
                FineTune.Result r = FineTune.run(model, train, train, config, FineTune.Output.quiet(out), FineTune.Listener.NONE);
                losses.add(r.stepLosses().get(0));
                weights.add(Safetensors.read(out.resolve("last/model.safetensors"))
                        .get("model.decoder.layers.0.fc1.weight").toFloats());
            }
        }
        for (int i = 1; i < 3; i++) {
            assertEquals(losses.get(0), losses.get(i), 1e-5);
            float[] want = weights.get(0);
            float[] got = weights.get(i);
            for (int j = 0; j < want.length; j++) {
                assertEquals(want[j], got[j], 2e-6, "fc1.weight[" + j + "]");
            }
        }
    }

    @Test
    void resumeAfterACrashReachesTheSameNumbers() throws Exception {
        FineTune.Result full = train(tmp.resolve("full"), CHECKPOINTING, FineTune.Listener.NONE);
        Path out = tmp.resolve("crashed");
        trainUntilKilled(out, TinyTraining.killAtStep(9, KILL));
        JsonNode state = JSON.readTree(out.resolve("state/state.json").toFile());
        assertEquals(8, state.path("global_step").asLong()); // the checkpoint after step 8 (every 2 steps)
        assertEquals(1, state.path("epoch").asInt());
        assertEquals(2, state.path("step_in_epoch").asInt());

        FineTune.Result resumed = train(out, CHECKPOINTING, FineTune.Listener.NONE);
        List<Double> tail = full.stepLosses().subList(8, 12);
        assertSameLosses(tail, resumed.stepLosses());
        assertSameRun(full, resumed);
        assertSameWeights(tmp.resolve("full/last"), out.resolve("last"));
        // Only the files of the committed state remain.
        try (var files = Files.list(out.resolve("state"))) {
            assertEquals(3, files.count());
        }

        // A finished run resumes to nothing more.
        FineTune.Result again = train(out, CHECKPOINTING, FineTune.Listener.NONE);
        assertTrue(again.stepLosses().isEmpty());
        assertEquals(full.bestValidLoss(), again.bestValidLoss(), GPU_REPEAT_TOL * Math.abs(full.bestValidLoss()));
    }

    /**
     * A byte changed in the checkpoint's weights: the resume does not go on from them, which would
     * end elsewhere without a word; it sets the state aside and trains from the start, to the
     * uninterrupted run's result.
     */
    @Test
    void aDamagedCheckpointIsNotResumedFrom() throws Exception {
        Path out = tmp.resolve("damaged");
        trainUntilKilled(out, TinyTraining.killAtStep(9, KILL));
        Path stateDir = out.resolve("state");
        JsonNode recorded = JSON.readTree(stateDir.resolve("state.json").toFile()).path("crc32c");
        Path weights = stateDir.resolve(JSON.readTree(stateDir.resolve("state.json").toFile()).path("weights").asText());
        assertEquals(8, recorded.path(weights.getFileName().toString()).asText().length(), recorded.toString());
        try (var ch = java.nio.channels.FileChannel.open(weights, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), Files.size(weights) - 64);
        }

        List<Map<String, Object>> events = new ArrayList<>();
        StringWriter log = new StringWriter();
        FineTune.Result resumed = TinyTraining.train(out, CHECKPOINTING, events::add, new PrintWriter(log));
        FineTune.Result full = train(tmp.resolve("full"), CHECKPOINTING, FineTune.Listener.NONE);
        assertSameLosses(full.stepLosses(), resumed.stepLosses());
        assertSameRun(full, resumed);
        assertSameWeights(tmp.resolve("full/last"), out.resolve("last"));
        assertTrue(Files.isRegularFile(out.resolve("state/state.json.damaged")));
        assertTrue(events.stream().anyMatch(e -> "checkpoint_damaged".equals(e.get("event"))
                && e.get("error").toString().contains(weights + ": CRC32C ")), events.toString());
        // Said on the console too: hours of training begin again.
        assertTrue(log.toString().startsWith("warning: " + weights + ": CRC32C ") && log.toString().endsWith("; its state is kept as "
                + stateDir.resolve("state.json.damaged") + ", and training starts again from the beginning\n"), log.toString());
    }

    /** An unreadable state.json, or a checkpoint file it names gone, is damage too: set aside, trained again, the same result. */
    @Test
    void anUnreadableStateOrAMissingCheckpointFileIsSetAsideToo() throws Exception {
        FineTune.Result full = train(tmp.resolve("full"), CHECKPOINTING, FineTune.Listener.NONE);
        for (String damage : List.of("empty-state", "missing-optimizer")) {
            Path out = tmp.resolve(damage);
            trainUntilKilled(out, TinyTraining.killAtStep(9, KILL));
            Path state = out.resolve("state/state.json");
            if (damage.equals("empty-state")) {
                Files.writeString(state, "");
            } else {
                Files.delete(state.resolveSibling(JSON.readTree(state.toFile()).path("optimizer").asText()));
            }
            List<Map<String, Object>> events = new ArrayList<>();
            FineTune.Result resumed = train(out, CHECKPOINTING, events::add);
            assertSameRun(full, resumed);
            assertSameWeights(tmp.resolve("full/last"), out.resolve("last"));
            assertTrue(Files.exists(out.resolve("state/state.json.damaged")), damage);
            assertTrue(events.stream().anyMatch(e -> "checkpoint_damaged".equals(e.get("event"))), damage + ": " + events);
        }
    }

    @Test
    void aRunContinuesWithAnotherMicroBatchButNoOtherChange() throws Exception {
        Path out = tmp.resolve("crashed");
        trainUntilKilled(out, TinyTraining.killAtStep(9, KILL));
        IllegalStateException other = assertThrows(IllegalStateException.class, () -> train(out, config(3, 4, 2, 2), FineTune.Listener.NONE));
        assertTrue(other.getMessage().contains("another train config (train.epochs: 2 -> 3); only the micro-batch may change"),
                other.getMessage());

        FineTune.Result resumed = train(out, config(2, 4, 1, 2), FineTune.Listener.NONE); // CHECKPOINTING, micro-batch 1
        assertEquals(4, resumed.stepLosses().size(), "steps 9..12, from the step-8 checkpoint");
        assertEquals(1, JSON.readTree(out.resolve("state/state.json").toFile()).path("config").path("micro_batch").asInt());
    }

    /** The same config and data from another model: refused, not continued as if the old training were this one's. */
    @Test
    void aRunIsNotContinuedFromOtherStartingWeights() throws Exception {
        Path out = tmp.resolve("crashed");
        trainUntilKilled(out, TinyTraining.killAtStep(9, KILL));
        String before = Files.readString(out.resolve("state/state.json"));
        try (NDManager manager = TestDevice.manager()) {
            CausalLM other = AutoModelForCausalLM.random(TinyTraining.model(0.1), 12, manager, DataType.FLOAT32);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> FineTune.run(other,
                    TinyTraining.blocks(22, 16, 1), TinyTraining.blocks(6, 16, 2), CHECKPOINTING,
                    FineTune.Output.quiet(out), FineTune.Listener.NONE));
            assertTrue(e.getMessage().startsWith(out.resolve("state/state.json") + " was written by a training that started"
                    + " from other weights (sha256 " + JSON.readTree(before).path("start_weights_sha256").asText()
                    + ", this model's " + other.weightsSha256() + ")"), e.getMessage());
        }
        assertEquals(before, Files.readString(out.resolve("state/state.json")), "the state is kept as it was");
        assertEquals(4, train(out, CHECKPOINTING, FineTune.Listener.NONE).stepLosses().size(), "its own model continues it");

        // A state from before the check (no start_weights_sha256) still continues, to the uninterrupted result.
        Path old = tmp.resolve("old");
        trainUntilKilled(old, TinyTraining.killAtStep(9, KILL));
        ObjectNode state = (ObjectNode) JSON.readTree(old.resolve("state/state.json").toFile());
        assertTrue(state.remove("start_weights_sha256") != null);
        Files.writeString(old.resolve("state/state.json"), JSON.writeValueAsString(state));
        assertSameRun(train(tmp.resolve("full"), CHECKPOINTING, FineTune.Listener.NONE), train(old, CHECKPOINTING, FineTune.Listener.NONE));
    }

    @Test
    void aKillBeforeTheNewBestIsRenamedInPlaceIsFinishedOnResume() throws Exception {
        FineTune.Result full = train(tmp.resolve("full"), CHECKPOINTING, FineTune.Listener.NONE);
        int last = improvements(full.history());
        assertTrue(last >= 2, "a previous best to replace: " + full.history());
        // Killed on the last improving checkpoint's event: its state is committed, best/ not yet
        // replaced, and no later validation writes best/ again: only the resume can put it there.
        Path out = tmp.resolve("crashed");
        int[] seen = {0};
        trainUntilKilled(out, event -> {
            if (event.get("event").equals("checkpoint") && Boolean.TRUE.equals(event.get("best")) && ++seen[0] == last) {
                throw KILL;
            }
        });
        long bestStep = JSON.readTree(out.resolve("state/state.json").toFile()).path("best_step").asLong();
        String pending = String.format("best.pending-%09d", bestStep);
        assertEquals(List.of("best", pending), pendingAndBest(out));
        assertFalse(Arrays.equals(Files.readAllBytes(out.resolve("best/model.safetensors")),
                Files.readAllBytes(out.resolve(pending).resolve("model.safetensors"))), "best/ is still the previous best");

        FineTune.Result resumed = train(out, CHECKPOINTING, FineTune.Listener.NONE);
        assertSameRun(full, resumed);
        assertEquals(List.of("best"), pendingAndBest(out));
        assertSameWeights(tmp.resolve("full/best"), out.resolve("best"));
    }

    @Test
    void aNewBestThatTheCommittedStateDoesNotNameIsDroppedOnResume() throws Exception {
        FineTune.Result full = train(tmp.resolve("full"), CHECKPOINTING, FineTune.Listener.NONE);
        Path out = tmp.resolve("crashed");
        trainUntilKilled(out, TinyTraining.killAtStep(9, KILL));
        byte[] bestAtTheKill = Files.readAllBytes(out.resolve("best/model.safetensors"));
        // What a kill after the step-10 validation wrote best/'s next version, before its state
        // committed, would leave (other weights: a redone validation need not improve again), and
        // a half-written one beside it.
        Path pending = Files.createDirectory(out.resolve("best.pending-000000010"));
        Files.copy(out.resolve("last/config.json"), pending.resolve("config.json"));
        Files.write(pending.resolve("model.safetensors"), new byte[] {1, 2, 3});
        Files.createDirectory(out.resolve(".best.pending-000000010.tmp-0badf00d"));

        trainUntilKilled(out, TinyTraining.killAtStep(9, KILL));
        assertEquals(List.of("best"), pendingAndBest(out));
        assertArrayEquals(bestAtTheKill, Files.readAllBytes(out.resolve("best/model.safetensors")));

        FineTune.Result resumed = train(out, CHECKPOINTING, FineTune.Listener.NONE);
        assertSameRun(full, resumed);
        assertSameWeights(tmp.resolve("full/best"), out.resolve("best"));
    }

    /** How many validations improved on the best before them. */
    private static int improvements(List<TrainState.Validation> history) {
        double best = Double.POSITIVE_INFINITY;
        int n = 0;
        for (TrainState.Validation v : history) {
            if (v.validLoss() < best) {
                best = v.validLoss();
                n++;
            }
        }
        return n;
    }

    /** Trains into {@code out} with {@link #CHECKPOINTING} until {@code killer} throws {@link #KILL}, as a crash ends a run. */
    private void trainUntilKilled(Path out, FineTune.Listener killer) {
        assertEquals(KILL, assertThrows(RuntimeException.class, () -> train(out, CHECKPOINTING, killer)));
    }

    /** The names in {@code out} of best/ and of any pending or half-written next version of it, sorted. */
    private static List<String> pendingAndBest(Path out) throws java.io.IOException {
        try (var entries = Files.list(out)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\.?best.*")).sorted().toList();
        }
    }

    /** The model.safetensors of two HF directories: bitwise on the CPU, within {@link #GPU_REPEAT_TOL} on a GPU. */
    private static void assertSameWeights(Path want, Path got) throws java.io.IOException {
        Map<String, HostTensor> a = Safetensors.read(want.resolve("model.safetensors"));
        Map<String, HostTensor> b = Safetensors.read(got.resolve("model.safetensors"));
        assertEquals(a.keySet(), b.keySet());
        for (String key : a.keySet()) {
            if (TestDevice.isGpu()) {
                assertArrayEquals(a.get(key).toFloats(), b.get(key).toFloats(), (float) GPU_REPEAT_TOL, key);
            } else {
                assertEquals(a.get(key).data(), b.get(key).data(), key); // bitwise
            }
        }
    }

    /**
     * Repeating a run (same seed, or resumed) gives the same numbers bitwise on the CPU. On a GPU
     * only up to {@link #GPU_REPEAT_TOL}: CUDA's embedding backward adds rows with atomics, so the
     * summation order, and the last bits, can change from run to run.
     */
    private static void assertSameLosses(List<Double> want, List<Double> got) {
        if (!TestDevice.isGpu()) {
            assertEquals(want, got); // Double.equals: bitwise
            return;
        }
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.get(i), got.get(i), GPU_REPEAT_TOL * Math.abs(want.get(i)), "step loss " + i);
        }
    }

    private static void assertSameRun(FineTune.Result want, FineTune.Result got) {
        if (!TestDevice.isGpu()) {
            assertEquals(want.history(), got.history());
            assertEquals(want.bestValidLoss(), got.bestValidLoss());
            return;
        }
        assertEquals(want.history().size(), got.history().size());
        assertEquals(want.bestValidLoss(), got.bestValidLoss(), GPU_REPEAT_TOL * Math.abs(want.bestValidLoss()));
    }

    @Test
    void checkpointsAndEventsAreWritten() throws Exception {
        Path out = tmp.resolve("run");
        List<Map<String, Object>> seen = new ArrayList<>();
        FineTune.Result r = train(out, config(2, 4, 4, 0), seen::add);
        assertTrue(Files.exists(out.resolve("best/model.safetensors")));
        assertTrue(Files.exists(out.resolve("best/config.json")));
        // Vocab 97 has no row for most of the bundled OPT-125m tokenizer's 50,265 ids, so best/ gets no
        // tokenizer, as its source had none (it used to get one that every reader refused).
        assertFalse(HfModelDir.hasTokenizer(out.resolve("best")), "no tokenizer that does not fit the model");
        assertEquals(TinyTraining.model(0.1), (OptConfig) LmConfig.read(out.resolve("last/config.json")));
        assertEquals(r.bestValidLoss(), r.history().stream().mapToDouble(TrainState.Validation::validLoss).min().orElseThrow());

        List<JsonNode> events = EventLog.read(out.resolve("events.jsonl"));
        assertEquals(seen.size(), events.size());
        JsonNode first = events.get(0);
        assertEquals("step", first.path("event").asText());
        assertEquals(1, first.path("step").asLong());
        assertEquals(0, first.path("epoch").asInt());
        for (String field : new String[] {"time", "loss", "lr", "grad_norm", "tokens_per_s"}) {
            assertTrue(first.has(field), field + " in " + first);
        }
        assertEquals(3e-3, first.path("lr").asDouble(), 1e-12);
        long epochs = events.stream().map(n -> n.path("event").asText()).filter("epoch"::equals).count();
        assertEquals(2, epochs);
        JsonNode lastStep = events.stream().filter(n -> n.path("event").asText().equals("step")).reduce((x, y) -> y).orElseThrow();
        assertEquals(3e-4, lastStep.path("lr").asDouble(), 1e-12); // paper schedule: 0.1 x lr in the last epoch
        assertEquals("done", events.get(events.size() - 1).path("event").asText());
    }

    @Test
    void stepsLeaveNothingInTheModelManager() throws Exception {
        try (NDManager manager = TestDevice.manager()) {
            CausalLM model = AutoModelForCausalLM.random(TinyTraining.model(0.1), 11, manager, DataType.FLOAT32);
            int arrays = manager.getManagedArrays().size();
            // After step 1, anything attached to the model's manager throws; the run's own scopes
            // (root, optimizer moments) live under it, so the count after every step covers them.
            LiveArrays live = new LiveArrays(manager);
            FineTune.run(model, TinyTraining.blocks(12, 16, 1), TinyTraining.blocks(4, 16, 2), config(2, 4, 2, 2),
                    FineTune.Output.quiet(tmp.resolve("cap")), TinyTraining.sampleAndCapAfterFirstStep(manager, live));
            assertEquals(arrays, manager.getManagedArrays().size());
            live.assertSteady(0, 6); // 3 steps per epoch, 2 epochs, validations every 2 steps between them
        }
    }

    @Test
    void epochOrderIsASeededPermutation() {
        int[] a = FineTune.epochOrder(50, 3, 0);
        assertEquals(50, java.util.Arrays.stream(a).distinct().count());
        assertArrayEquals(a, FineTune.epochOrder(50, 3, 0));
        assertFalse(java.util.Arrays.equals(a, FineTune.epochOrder(50, 3, 1)));
        assertFalse(java.util.Arrays.equals(a, FineTune.epochOrder(50, 4, 0)));
        assertNotEquals(FineTune.mix(0, 1), FineTune.mix(1, 0));
    }
}
