package io.collapse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.TestDevice;
import io.collapse.config.ConfigLoader;
import io.collapse.config.Schedule;
import io.collapse.config.TrainConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.model.CausalLM;
import io.collapse.model.HfFixture;
import io.collapse.model.auto.AutoModelForCausalLM;
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
public class FineTuneParityTest {

    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {HfFixture.CASE_A, HfFixture.CASE_B})
    void threeAdamWStepsMatchTransformers(String caseName) throws Exception {
        checkThreeAdamWSteps(HfFixture.load(caseName), tmp);
    }

    /** The fixture's train_steps through {@link FineTune#run}, dropout off as model.eval() has it. */
    public static void checkThreeAdamWSteps(HfFixture fx, Path tmp) throws Exception {
        JsonNode steps = fx.expected().path("train_steps");
        long[][] batch = fx.inputIds("batch");
        int rows = batch.length;
        int cols = batch[0].length;
        int[] ids = new int[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                ids[r * cols + c] = (int) batch[r][c];
            }
        }
        TokenBlocks blocks = TokenBlocks.of(ids, cols);
        TrainConfig train = TrainConfig.of(ConfigLoader.fields("epochs", 3, "batch_size", rows, "micro_batch", 1,
                "learning_rate", 1e-3, "adam_beta1", 0.9, "adam_beta2", 0.999, "adam_epsilon", 1e-8, "weight_decay", 0.0,
                "schedule", Schedule.CONSTANT, "warmup_steps", 0, "max_grad_norm", 0.0, "seed", 0));

        try (NDManager manager = TestDevice.manager()) {
            CausalLM model = AutoModelForCausalLM.fromStateDict(fx.configWithoutDropout(), fx.weights(), manager,
                    DataType.FLOAT32);
            FineTune.Result result = FineTune.run(model, blocks, blocks, train, FineTune.Output.quiet(tmp.resolve("out")), FineTune.Listener.NONE);

            String caseName = fx.name();
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
