package io.collapse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import io.collapse.model.CausalLM;
import io.collapse.model.auto.AutoModelForCausalLM;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.TestDevice;
import io.collapse.config.OptConfig;
import io.collapse.config.Schedule;
import io.collapse.config.TrainConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.model.hf.Safetensors;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fixture's {@code train_steps}: three torch AdamW(lr=1e-3, wd=0) steps on {@code inputs.batch}
 * with labels = inputs, dropout off, no clipping. Run through {@link FineTune#run} with one block
 * per micro-batch (three micro-batches accumulate into the batch of three) and one step per epoch,
 * so the step losses are the losses before each step and the last validation (on the same blocks)
 * is the loss after the third.
 */
class FineTuneParityTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"case-a-preln", "case-b-postln-proj"})
    void threeAdamWStepsMatchTransformers(String caseName) throws Exception {
        Path dir = Path.of(getClass().getResource("/hf-opt/" + caseName + "/config.json").toURI()).getParent();
        JsonNode expected = JSON.readTree(dir.resolve("expected.json").toFile());
        JsonNode steps = expected.path("train_steps");

        // Dropout off the way model.eval() has it: the same config with both dropouts 0.
        ObjectNode configJson = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        configJson.put("dropout", 0.0).put("attention_dropout", 0.0);
        OptConfig config = JSON.treeToValue(configJson, OptConfig.class);

        JsonNode batch = expected.path("inputs").path("batch").path("input_ids");
        int rows = batch.size();
        int cols = batch.get(0).size();
        int[] ids = new int[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                ids[r * cols + c] = batch.get(r).get(c).asInt();
            }
        }
        TokenBlocks blocks = TokenBlocks.of(ids, cols);
        TrainConfig train = new TrainConfig(3, rows, 1, 1e-3, 0.9, 0.999, 1e-8, 0.0, Schedule.CONSTANT, 0, 0.0, 0, null, null, null);

        try (NDManager manager = TestDevice.manager()) {
            CausalLM model = AutoModelForCausalLM.fromStateDict(config, Safetensors.read(dir.resolve("model.safetensors")),
                    manager, DataType.FLOAT32);
            FineTune.Result result = FineTune.run(model, blocks, blocks, train, FineTune.Output.quiet(tmp.resolve("out")), FineTune.Listener.NONE);

            List<Double> before = result.stepLosses();
            assertEquals(3, before.size());
            for (int i = 0; i < 3; i++) {
                double want = steps.path("loss_before_each_step").get(i).asDouble();
                assertEquals(want, before.get(i), 1e-4 * want, caseName + ": loss before step " + (i + 1));
            }
            double after = steps.path("loss_after_3_steps").asDouble();
            assertEquals(after, result.history().get(2).validLoss(), 1e-4 * after, caseName + ": loss after 3 steps");
            // Validation after steps 1 and 2 is the loss before steps 2 and 3.
            for (int i = 0; i < 2; i++) {
                double want = steps.path("loss_before_each_step").get(i + 1).asDouble();
                assertEquals(want, result.history().get(i).validLoss(), 1e-4 * want);
            }
        }
    }
}
