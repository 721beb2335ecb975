package io.collapse.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainConfigTest {

    @Test
    void paperDefaults() {
        TrainConfig c = TrainConfig.paper(5, 0);
        assertEquals(128, c.batchSize());
        assertEquals(128, c.microBatch());
        assertEquals(1, c.batchSize() / c.microBatch(), "micro-batches per step");
        assertEquals(2e-5, c.learningRate());
        assertEquals(0.9, c.adamBeta1());
        assertEquals(0.999, c.adamBeta2());
        assertEquals(1e-8, c.adamEpsilon());
        assertEquals(0.01, c.weightDecay());
        assertEquals(Schedule.PAPER_EPOCH_LINEAR, c.schedule());
        assertEquals(0.0, c.maxGradNorm());
    }

    @Test
    void readsSnakeCaseJsonAndFillsDefaults() throws Exception {
        String json = "{\"epochs\": 10, \"batch_size\": 128, \"micro_batch\": 16, \"learning_rate\": 1e-5,"
                + " \"schedule\": \"warmup-cosine\", \"warmup_steps\": 100, \"max_grad_norm\": 1.0, \"seed\": 3}";
        TrainConfig c = ConfigLoader.JSON.readValue(json, TrainConfig.class);
        assertEquals(8, c.batchSize() / c.microBatch(), "micro-batches per step");
        assertEquals(1e-5, c.learningRate());
        assertEquals(100, c.warmupSteps());
        assertEquals(1.0, c.maxGradNorm());
        assertEquals(3, c.seed());
        assertEquals(1, c.logEverySteps());
        assertTrue(ConfigLoader.JSON.writeValueAsString(c).contains("\"micro_batch\" : 16"));
    }

    @Test
    void rejectsBadValuesNamingTheField() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.of(ConfigLoader.fields("epochs", 5, "batch_size", 128, "micro_batch", 48,
                        "learning_rate", 2e-5, "seed", 0)));
        assertTrue(e.getMessage().contains("train.micro_batch (48)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.fromFields("train", TrainConfig.class, Map.of(),
                        Map.of("epochs", 5, "batch_size", 128, "learning_rate", 2e-5, "schedule", "linear")));
        assertTrue(e.getMessage().contains("train.schedule") && e.getMessage().contains("paper-epoch-linear"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.of(ConfigLoader.fields("epochs", 0, "batch_size", 128, "learning_rate", 2e-5, "seed", 0)));
        assertTrue(e.getMessage().contains("train.epochs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.of(ConfigLoader.fields("epochs", 5, "batch_size", 128, "learning_rate", 2e-5,
                        "adam_beta1", 1.0, "seed", 0)));
        assertTrue(e.getMessage().contains("train.adam_beta1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.of(ConfigLoader.fields("epochs", 5, "batch_size", 128, "learning_rate", 2e-5,
                        "warmup_steps", 10, "seed", 0)));
        assertTrue(e.getMessage().contains("train.warmup_steps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.of(ConfigLoader.fields("epochs", 5, "batch_size", 128, "learning_rate", 0, "seed", 0)));
        assertTrue(e.getMessage().contains("train.learning_rate"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.of(ConfigLoader.fields("epochs", 5, "batch_size", 128, "learning_rate", 2e-5, "seed", 0,
                        "dtype", "float16")));
        assertTrue(e.getMessage().contains("train.dtype"), e.getMessage());
    }
}
