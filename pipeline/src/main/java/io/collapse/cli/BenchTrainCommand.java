package io.collapse.cli;

import ai.djl.Device;
import io.collapse.bench.TrainBench;
import io.collapse.config.Check;
import io.collapse.config.ConfigLoader;
import io.collapse.config.LmConfig;
import io.collapse.config.TrainConfig;
import io.collapse.model.MemoryBudget;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Training speed of the fine-tuning loop on a random preset model and its MFU ({@link TrainBench}). */
@Command(name = "train",
        description = "Training speed: tokens/s of the fine-tuning loop on a random preset model, and MFU = 6·N·tokens/s"
                + " over the measured matmul rate in the dtype the steps compute in (one JSON line).")
final class BenchTrainCommand implements Callable<Integer> {

    /** Steps timed and warmed up, at most. */
    private static final int MAX_STEPS = 10_000;

    @Mixin BenchPreset preset;

    @Option(names = "--batch-size", defaultValue = "16", description = "Blocks per optimizer step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--micro-batch", description = "Blocks per forward/backward (default: the batch size).")
    Integer microBatch;

    @Mixin BlockSizeOption block;

    @Option(names = "--steps", defaultValue = "12", description = "Optimizer steps timed, after the warm-up (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "Steps run first and not timed (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--matmul-seconds", defaultValue = "5", description = "How long to time the matmul (default: ${DEFAULT-VALUE}).")
    double matmulSeconds;

    @Option(names = "--mixed-precision", defaultValue = "off", paramLabel = "off|fp16|bf16",
            description = "train.mixed_precision for the timed steps; fp16/bf16 on a GPU only (default: ${DEFAULT-VALUE}).")
    String mixedPrecision;

    @Mixin BenchTarget target;

    @Mixin Stdout stdout;

    @Override
    public Integer call() throws Exception {
        LmConfig config = preset.config();
        int blockSize = block.tokens(config);
        if (batchSize < 1 || steps < 1 || warmup < 0 || !(matmulSeconds > 0)) {
            throw new IllegalArgumentException("bench train: expected --batch-size >= 1, --steps >= 1, --warmup >= 0,"
                    + " --matmul-seconds > 0; got " + batchSize + ", " + steps + ", " + warmup + ", " + matmulSeconds);
        }
        // Every step's random blocks are made up front; a timing is not worth more than an hour.
        Check.between("--warmup + --steps", warmup + (long) steps, 1, MAX_STEPS);
        Check.range("--matmul-seconds", matmulSeconds, 0, BenchTarget.MAX_SECONDS);
        Device device = target.device.resolve();
        int matmulSize = target.matmulSize(device);
        Map<String, Object> timed = ConfigLoader.fields("epochs", 1, "batch_size", batchSize, "micro_batch", microBatch,
                "learning_rate", 2e-5, "schedule", "constant", "mixed_precision", mixedPrecision);
        TrainConfig trainConfig = ConfigLoader.fromFields("train", TrainConfig.class, Map.of(), timed);
        MemoryBudget.require("bench train: --micro-batch " + trainConfig.microBatch() + " of " + blockSize
                + "-token blocks",
                MemoryBudget.train(config, trainConfig.microBatch(), blockSize), device, "--micro-batch or --block-size");
        TrainBench.Result result = TrainBench.run(new TrainBench.Settings(config, trainConfig, blockSize, steps, warmup,
                device, matmulSize, matmulSeconds));
        stdout.jsonLine(preset.line("train", result.fields()));
        return 0;
    }
}
