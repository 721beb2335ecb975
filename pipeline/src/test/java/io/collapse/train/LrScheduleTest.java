package io.collapse.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.collapse.config.ConfigLoader;
import io.collapse.config.Schedule;
import io.collapse.config.TrainConfig;
import org.junit.jupiter.api.Test;

class LrScheduleTest {

    private static TrainConfig config(int epochs, Schedule schedule, int warmup) {
        return TrainConfig.of(ConfigLoader.fields("epochs", epochs, "batch_size", 8, "micro_batch", 4,
                "learning_rate", 1e-3, "schedule", schedule, "warmup_steps", warmup, "seed", 0));
    }

    @Test
    void paperFactorRunsFromOneToOneTenthOverTheEpochs() {
        assertEquals(1.0, LrSchedule.lrFactor(0, 5), 0);
        assertEquals(0.775, LrSchedule.lrFactor(1, 5), 1e-15);
        assertEquals(0.55, LrSchedule.lrFactor(2, 5), 1e-15);
        assertEquals(0.325, LrSchedule.lrFactor(3, 5), 1e-15);
        assertEquals(0.1, LrSchedule.lrFactor(4, 5), 1e-15);
        assertEquals(1.0, LrSchedule.lrFactor(0, 1), 0);
        assertEquals(0.1, LrSchedule.lrFactor(9, 10), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.lrFactor(5, 5));
    }

    @Test
    void paperScheduleIsConstantWithinAnEpoch() {
        LrSchedule s = new LrSchedule(config(3, Schedule.PAPER_EPOCH_LINEAR, 0), 30);
        for (long step = 0; step < 30; step++) {
            int epoch = (int) (step / 10);
            double expected = 1e-3 * (1.0 - 0.45 * epoch); // 1.0, 0.55, 0.1
            assertEquals(expected, s.lr(epoch, step), 1e-15, "step " + step);
        }
    }

    @Test
    void warmupLinearMatchesHfFormulaStepByStep() {
        long total = 20;
        int warmup = 5;
        LrSchedule s = new LrSchedule(config(2, Schedule.WARMUP_LINEAR, warmup), total);
        for (long step = 0; step <= total + 2; step++) {
            double expected = step < warmup ? step / 5.0 : Math.max(0, (20.0 - step) / 15.0);
            assertEquals(1e-3 * expected, s.lr((int) Math.min(1, step / 10), step), 1e-15, "step " + step);
        }
        assertEquals(0.0, s.lr(0, 0), 0); // HF: the first update has lr 0 under warmup
    }

    @Test
    void warmupCosineMatchesHfFormulaStepByStep() {
        long total = 17;
        int warmup = 3;
        LrSchedule s = new LrSchedule(config(1, Schedule.WARMUP_COSINE, warmup), total);
        for (long step = 0; step <= total; step++) {
            double expected = step < warmup
                    ? step / 3.0
                    : 0.5 * (1 + Math.cos(Math.PI * (step - 3.0) / 14.0));
            assertEquals(1e-3 * Math.max(0, expected), s.lr(0, step), 1e-15, "step " + step);
        }
        assertEquals(1e-3, s.lr(0, 3), 1e-15);
        assertEquals(0.0, s.lr(0, 17), 1e-15);
    }

    @Test
    void constantHasOnlyItsWarmup() {
        LrSchedule s = new LrSchedule(config(1, Schedule.CONSTANT, 4), 10);
        double[] expected = {0, 0.25, 0.5, 0.75, 1, 1, 1, 1, 1, 1};
        for (int step = 0; step < 10; step++) {
            assertEquals(1e-3 * expected[step], s.lr(0, step), 1e-15);
        }
    }

    @Test
    void epochCosineIsTorchCosineAnnealingPerEpoch() {
        LrSchedule s = new LrSchedule(config(5, Schedule.EPOCH_COSINE, 0), 50);
        for (int epoch = 0; epoch < 5; epoch++) {
            double expected = 1e-6 + (1e-3 - 1e-6) * (1 + Math.cos(Math.PI * epoch / 5)) / 2;
            assertEquals(expected, s.lr(epoch, epoch * 10L + 3), 1e-15);
        }
        assertEquals(1e-3, s.lr(0, 0), 1e-15);
    }
}
