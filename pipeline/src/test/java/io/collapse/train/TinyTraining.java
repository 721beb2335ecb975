package io.collapse.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.LiveArrays;
import io.collapse.TestDevice;
import io.collapse.config.ConfigLoader;
import io.collapse.config.LmConfig;
import io.collapse.config.MixedPrecision;
import io.collapse.config.OptConfig;
import io.collapse.config.Schedule;
import io.collapse.config.TrainConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.model.CausalLM;
import io.collapse.model.auto.AutoModelForCausalLM;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The small setup the fine-tuning tests share: a tiny OPT, blocks with structure, a short config,
 * and listeners that crash a run or watch its memory.
 */
final class TinyTraining {

    private TinyTraining() {}

    /** A small pre-LN OPT, vocab 97; dropout on (0.1) for runs that test it, off to differ by arithmetic only. */
    static OptConfig model(double dropout) {
        return (OptConfig) LmConfig.of(ConfigLoader.fields("model_type", "opt", "vocab_size", 97, "hidden_size", 32,
                "num_hidden_layers", 2, "ffn_dim", 64, "num_attention_heads", 4, "max_position_embeddings", 64,
                "dropout", dropout));
    }

    /** Fine-tunes {@link #model}(0.1), seed 11, on 22 training and 6 validation blocks of 16 into {@code out}. */
    static FineTune.Result train(Path out, TrainConfig config, FineTune.Listener listener) throws IOException {
        return train(out, config, listener, new PrintWriter(Writer.nullWriter()));
    }

    /** As {@link #train(Path, TrainConfig, FineTune.Listener)}, its warnings on {@code log}. */
    static FineTune.Result train(Path out, TrainConfig config, FineTune.Listener listener, PrintWriter log) throws IOException {
        try (NDManager manager = TestDevice.manager()) {
            CausalLM model = AutoModelForCausalLM.random(model(0.1), 11, manager, DataType.FLOAT32);
            FineTune.Output quiet = FineTune.Output.quiet(out);
            FineTune.Output output = new FineTune.Output(quiet.dir(), quiet.eventsFile(), null, false, log);
            return FineTune.run(model, blocks(22, 16, 1), blocks(6, 16, 2), config, output, listener);
        }
    }

    /** Blocks with structure to learn: every block walks id = (start + k * stride) mod 90 + 4. */
    static TokenBlocks blocks(int n, int blockSize, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] ids = new int[n * blockSize];
        for (int b = 0; b < n; b++) {
            int start = rng.nextInt(90);
            int stride = 1 + rng.nextInt(3);
            for (int k = 0; k < blockSize; k++) {
                ids[b * blockSize + k] = (start + k * stride) % 90 + 4;
            }
        }
        return TokenBlocks.of(ids, blockSize);
    }

    /** lr 3e-3, weight decay 0.01, gradient clipping at 1.0, seed 7; validation every {@code validEvery} steps (0: per epoch). */
    static TrainConfig config(int epochs, int batch, int micro, Schedule schedule, int validEvery) {
        return TrainConfig.of(ConfigLoader.fields("epochs", epochs, "batch_size", batch, "micro_batch", micro,
                "learning_rate", 3e-3, "weight_decay", 0.01, "schedule", schedule, "max_grad_norm", 1.0, "seed", 7,
                "valid_every_n_steps", validEvery));
    }

    /** {@code config} with another mixed-precision mode and fp16 loss-scaler settings. */
    static TrainConfig withMixedPrecision(TrainConfig config, MixedPrecision mode, double scaleInit, int growthInterval) {
        return ConfigLoader.with("train", config, Map.of("mixed_precision", mode, "loss_scale_init", scaleInit,
                "loss_scale_growth_interval", growthInterval));
    }

    /** A run killed at {@code step}: the listener throws {@code kill} on that step's event, as a crash would end it. */
    static FineTune.Listener killAtStep(long step, RuntimeException kill) {
        return event -> {
            if (step(event) == step) {
                throw kill;
            }
        };
    }

    /**
     * Samples {@code live} after every step and caps {@code manager} after step 1, so that anything
     * a later step attaches to it throws.
     */
    static FineTune.Listener sampleAndCapAfterFirstStep(NDManager manager, LiveArrays live) {
        return event -> {
            long step = step(event);
            if (step >= 0) {
                live.sample();
                if (step == 1) {
                    manager.cap();
                }
            }
        };
    }

    /** The global step of a "step" event; -1 for the other events. */
    private static long step(Map<String, Object> event) {
        return event.get("event").equals("step") ? ((Number) event.get("step")).longValue() : -1;
    }
}
