package io.collapse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.TestDevice;
import io.collapse.config.Schedule;
import io.collapse.config.TrainConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.model.CausalLM;
import io.collapse.model.StateDict;
import io.collapse.model.auto.AutoModelForCausalLM;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What fine-tuning refuses before its first step: blocks the model cannot embed, a folder of the user's to write in. */
class FineTuneRefusalsTest {

    @TempDir Path tmp;

    /** One epoch of four-block batches, validated per epoch. */
    private static final TrainConfig ONE_EPOCH = TinyTraining.config(1, 4, 4, Schedule.PAPER_EPOCH_LINEAR, 0);

    /** Blocks tokenized for a larger vocabulary are refused by name before any step (torch: "index out of range in self"). */
    @Test
    void anIdOutsideTheVocabularyIsRefusedBeforeTraining() throws Exception {
        try (NDManager manager = TestDevice.manager()) {
            CausalLM model = AutoModelForCausalLM.random(TinyTraining.model(0.1), 11, manager, DataType.FLOAT32);
            int vocab = model.config().vocabSize();
            int[] ids = new int[4 * 16];
            ids[37] = vocab;
            Path out = tmp.resolve("vocab");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FineTune.run(model,
                    TinyTraining.blocks(8, 16, 1), TokenBlocks.of(ids, 16), ONE_EPOCH, FineTune.Output.quiet(out),
                    FineTune.Listener.NONE));
            assertEquals("the corpus holds token id " + vocab + " but the model's vocab_size is " + vocab
                    + " (was it tokenized for another model?)", e.getMessage());
            assertFalse(Files.exists(out.resolve("events.jsonl")));
        }
    }

    /**
     * Before the first step: a folder with other files, or a best/ or last/ that replacing would
     * lose files from, is refused and left as it was; files in state/ that are not checkpoints
     * survive a run.
     */
    @Test
    void anOutputFolderHoldingTheUsersFilesIsRefusedAndStateKeepsWhatIsNotACheckpoint() throws Exception {
        Path notes = Files.createDirectories(tmp.resolve("mine")).resolve("notes.txt");
        Files.writeString(notes, "mine");
        assertRefusedUntouched(notes.getParent(), notes, notes.getParent() + ": holds notes.txt; expected a new or empty folder");
        Path readme = Files.createDirectories(tmp.resolve("mine2/best")).resolve("README.md");
        Files.writeString(readme, "mine");
        assertRefusedUntouched(tmp.resolve("mine2"), readme, readme.getParent() + ": holds README.md, which replacing it would delete");

        Path out = tmp.resolve("with-state");
        Path kept = Files.createDirectories(out.resolve("state")).resolve("my-weights.safetensors");
        Files.writeString(kept, "mine");
        Path log = Files.writeString(out.resolve("train.log"), "a job's log, redirected into its output folder");
        TinyTraining.train(out, ONE_EPOCH, FineTune.Listener.NONE);
        assertEquals("mine", Files.readString(kept));
        assertEquals("a job's log, redirected into its output folder", Files.readString(log));
    }

    @Test
    void divergenceStopsWithEpochStepAndValue() throws Exception {
        try (NDManager manager = TestDevice.manager()) {
            CausalLM model = AutoModelForCausalLM.random(TinyTraining.model(0.1), 11, manager, DataType.FLOAT32);
            NDArray fc1 = StateDict.parameters(model).get("model.decoder.layers.1.fc1.bias").getArray();
            fc1.set(nanBuffer((int) fc1.size()));
            Path out = tmp.resolve("nan");
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> FineTune.run(model,
                    TinyTraining.blocks(8, 16, 1), TinyTraining.blocks(4, 16, 2), ONE_EPOCH, FineTune.Output.quiet(out),
                    FineTune.Listener.NONE));
            assertTrue(e.getMessage().contains("training loss is NaN at epoch 0, step 0"), e.getMessage());
            assertFalse(Files.exists(out.resolve("state/state.json")));
        }
    }

    private static java.nio.FloatBuffer nanBuffer(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, Float.NaN);
        return java.nio.FloatBuffer.wrap(v);
    }

    private void assertRefusedUntouched(Path out, Path mine, String message) throws IOException {
        IOException e = assertThrows(IOException.class, () -> TinyTraining.train(out, ONE_EPOCH, FineTune.Listener.NONE));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
        try (var left = Files.walk(out)) {
            assertEquals(List.of(mine), left.filter(Files::isRegularFile).toList(), "nothing written in " + out);
        }
    }
}
