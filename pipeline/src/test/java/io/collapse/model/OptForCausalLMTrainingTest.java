package io.collapse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import io.collapse.TestDevice;
import io.collapse.config.OptConfig;
import io.collapse.config.Presets;
import io.collapse.model.auto.AutoModelForCausalLM;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The block under a GradientCollector: every parameter learns, dropout acts only in training. */
class OptForCausalLMTrainingTest {

    @Test
    void everyParameterGetsAGradientAndNothingLeaksIntoTheModelManager() {
        OptConfig tiny = (OptConfig) Presets.get("tiny");
        try (NDManager root = TestDevice.manager()) {
            NDManager weights = root.newSubManager();
            CausalLM lm = AutoModelForCausalLM.random(tiny, 3, weights, DataType.FLOAT32);
            // A forward or backward that attached anything to the model's manager would throw.
            // (Reading a gradient does attach it there, hence the check on a copy below.)
            weights.cap();
            try (NDManager step = TestDevice.manager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray ids = step.randomInteger(3, tiny.vocabSize(), new ai.djl.ndarray.types.Shape(2, 16), DataType.INT64);
                NDArray mask = step.ones(ids.getShape(), DataType.INT64);
                NDArray logits = lm.forward(new ParameterStore(step, false), ids, mask, null, true, false).logits();
                NDArray target = ids.get(":, 1:").expandDims(-1);
                NDArray loss = logits.get(":, :-1, :").logSoftmax(-1).gather(target, -1).neg().mean();
                gc.backward(loss);
            }
            for (Map.Entry<String, Parameter> e : StateDict.parameters(lm).entrySet()) {
                NDArray param = e.getValue().getArray();
                param.attach(root); // uncapped, so getGradient may attach its result
                NDArray grad = param.getGradient();
                assertTrue(grad.abs().sum().getFloat() > 0, e.getKey() + " has no gradient");
            }
        }
    }

    /**
     * transformers' train_steps: three AdamW steps (lr 1e-3, betas 0.9/0.999, eps 1e-8, no weight
     * decay, dropout off) written out here, so the losses check the block's gradients (tied
     * embedding, pad row) against torch's, not an optimizer.
     */
    @ParameterizedTest
    @ValueSource(strings = {HfFixture.CASE_A, HfFixture.CASE_B})
    void threeAdamWStepsReproduceTransformersLosses(String caseName) throws IOException {
        HfFixture fx = HfFixture.load(caseName);
        JsonNode expected = fx.expected().path("train_steps");
        double lr = 1e-3;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = fx.model(manager);
            Map<String, Parameter> params = StateDict.parameters(lm);
            Map<String, NDArray> m = new HashMap<>();
            Map<String, NDArray> v = new HashMap<>();
            for (var e : params.entrySet()) {
                m.put(e.getKey(), manager.zeros(e.getValue().getShape()));
                v.put(e.getKey(), manager.zeros(e.getValue().getShape()));
            }
            NDArray ids = manager.create(fx.inputIds("batch"));
            for (int step = 1; step <= 4; step++) {
                float loss;
                try (NDManager scope = manager.newSubManager();
                        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray logits = lm.forward(new ParameterStore(scope, false), ids, null, null, false, false).logits();
                    NDArray lossArray = logits.get(":, :-1, :").logSoftmax(-1)
                            .gather(ids.get(":, 1:").expandDims(-1), -1).neg().mean();
                    loss = lossArray.getFloat();
                    if (step <= 3) {
                        gc.backward(lossArray);
                    }
                }
                double want = step <= 3
                        ? expected.path("loss_before_each_step").get(step - 1).asDouble()
                        : expected.path("loss_after_3_steps").asDouble();
                assertEquals(want, loss, 1e-4 * want, "loss before step " + step);
                if (step == 4) {
                    break;
                }
                double c1 = 1 - Math.pow(beta1, step);
                double c2 = 1 - Math.pow(beta2, step);
                for (var e : params.entrySet()) {
                    NDArray p = e.getValue().getArray();
                    NDArray g = p.getGradient();
                    NDArray mt = m.get(e.getKey()).muli(beta1).addi(g.mul(1 - beta1));
                    NDArray vt = v.get(e.getKey()).muli(beta2).addi(g.square().mul(1 - beta2));
                    p.subi(mt.div(c1).div(vt.div(c2).sqrt().add(eps)).mul(lr));
                    g.muli(0); // torch's zero_grad: DJL accumulates into .grad
                }
            }
        }
    }

    @Test
    void padRowGetsNoGradientThroughTheLookupAsTorchPaddingIdx() {
        OptConfig tiny = (OptConfig) Presets.get("tiny");
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = AutoModelForCausalLM.random(tiny, 3, manager, DataType.FLOAT32);
            int pad = tiny.padTokenId();
            try (NDManager step = manager.newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray ids = step.create(new long[][] {{pad, pad, 2, 100}});
                NDArray logits = lm.forward(new ParameterStore(step, false), ids, null, null, true, false).logits();
                // The logit of id 5 depends on the pad row only through the lookup of the pad tokens.
                gc.backward(logits.get(":, :, 5").sum());
            }
            NDArray grad = StateDict.parameters(lm).get("model.decoder.embed_tokens.weight").getArray().getGradient();
            assertEquals(0f, grad.get(pad).abs().sum().getFloat(), "pad row");
            assertTrue(grad.get(100).abs().sum().getFloat() > 0, "a real token's row");
        }
    }

    @Test
    void aDjlTrainerDrivesTheBlock() {
        OptConfig tiny = (OptConfig) Presets.get("tiny");
        try (ai.djl.Model model = ai.djl.Model.newInstance("opt")) {
            CausalLM lm = AutoModelForCausalLM.random(tiny, 3, model.getNDManager(), DataType.FLOAT32);
            model.setBlock(lm);
            var config = new ai.djl.training.DefaultTrainingConfig(ai.djl.training.loss.Loss.l2Loss());
            try (ai.djl.training.Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new ai.djl.ndarray.types.Shape(2, 8));
                NDManager m = trainer.getManager();
                NDArray ids = m.randomInteger(3, tiny.vocabSize(), new ai.djl.ndarray.types.Shape(2, 8), DataType.INT64);
                NDArray logits = trainer.forward(new ai.djl.ndarray.NDList(ids)).head();
                assertEquals(new ai.djl.ndarray.types.Shape(2, 8, tiny.vocabSize()), logits.getShape());
                NDArray again = lm.forward(ids, null, null).logits();
                // Trainer.forward is a training pass (dropout on): same shape, other values.
                assertNotEquals(0f, logits.sub(again).abs().max().getFloat());
            }
        }
    }

    @Test
    void dropoutOnlyWhileTraining() {
        OptConfig tiny = (OptConfig) Presets.get("tiny");
        try (NDManager manager = TestDevice.manager()) {
            CausalLM lm = AutoModelForCausalLM.random(tiny, 3, manager, DataType.FLOAT32);
            NDArray ids = manager.create(new long[][] {{2, 100, 200, 300, 400}});
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray eval1 = lm.forward(ps, ids, null, null, false, false).logits();
            NDArray eval2 = lm.forward(ps, ids, null, null, false, false).logits();
            NDArray train = lm.forward(ps, ids, null, null, true, false).logits();
            assertEquals(0f, eval1.sub(eval2).abs().max().getFloat());
            assertNotEquals(0f, eval1.sub(train).abs().max().getFloat());
        }
    }
}
