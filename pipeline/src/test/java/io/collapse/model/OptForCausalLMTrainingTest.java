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
import io.collapse.config.OptConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The block under a GradientCollector: every parameter learns, dropout acts only in training. */
class OptForCausalLMTrainingTest {

    @Test
    void everyParameterGetsAGradientAndNothingLeaksIntoTheModelManager() {
        OptConfig tiny = OptPresets.get("tiny");
        try (NDManager root = NDManager.newBaseManager()) {
            NDManager weights = root.newSubManager();
            OptForCausalLM lm = OptForCausalLM.random(tiny, 3, weights, DataType.FLOAT32);
            // A forward or backward that attached anything to the model's manager would throw.
            // (Reading a gradient does attach it there, hence the check on a copy below.)
            weights.cap();
            try (NDManager step = NDManager.newBaseManager();
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

    @Test
    void dropoutOnlyWhileTraining() {
        OptConfig tiny = OptPresets.get("tiny");
        try (NDManager manager = NDManager.newBaseManager()) {
            OptForCausalLM lm = OptForCausalLM.random(tiny, 3, manager, DataType.FLOAT32);
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
