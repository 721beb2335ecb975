package io.collapse.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.config.ConfigLoader;
import io.collapse.config.LmConfig;
import io.collapse.config.TrainConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.model.CausalLM;
import io.collapse.model.MemoryBudget;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.train.FineTune;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Training speed of the real loop ({@link FineTune#run}: forward, backward, clipping, AdamW) on a
 * randomly initialised preset, and an MFU estimate: 6·N·tokens/s (forward 2·N, backward 4·N per
 * token, N as in {@link LmConfig#matmulParameters}) over the measured float32 matmul rate
 * (the better of a measurement before and one after the run).
 * Tokens/s is the median of the per-step rates after {@code --warmup} steps; validation and
 * checkpoint writing are outside the steps and not counted.
 */
@Command(name = "train",
        description = "Training speed: tokens/s of the fine-tuning loop on a random preset model, and MFU = 6·N·tokens/s"
                + " over the measured float32 matmul rate (one JSON line).")
final class BenchTrainCommand implements Callable<Integer> {

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
        if (batchSize < 1 || block.blockSize < 2 || steps < 1 || warmup < 0 || target.matmulSize < 1 || !(matmulSeconds > 0)) {
            throw new IllegalArgumentException("bench train: expected --batch-size >= 1, --block-size >= 2, --steps >= 1,"
                    + " --warmup >= 0, --matmul-size >= 1, --matmul-seconds > 0; got " + batchSize + ", " + block.blockSize + ", "
                    + steps + ", " + warmup + ", " + target.matmulSize + ", " + matmulSeconds);
        }
        LmConfig config = preset.config();
        Device device = target.device();
        double matmulBefore = MatmulRate.measure(device, target.matmulSize, matmulSeconds);

        Map<String, Object> timed = ConfigLoader.fields("epochs", 1, "batch_size", batchSize, "micro_batch", microBatch,
                "learning_rate", 2e-5, "schedule", "constant", "mixed_precision", mixedPrecision);
        TrainConfig trainConfig = ConfigLoader.fromFields("train", TrainConfig.class, Map.of(), timed);
        MemoryBudget.require("bench train: --micro-batch " + trainConfig.microBatch() + " of " + block.blockSize
                + "-token blocks",
                MemoryBudget.train(config, trainConfig.microBatch(), block.blockSize), device, "--micro-batch or --block-size");
        List<Double> rates = new ArrayList<>();
        Path out = Files.createTempDirectory("collapse-bench-train-");
        try (NDManager manager = NDManager.newBaseManager(device)) {
            CausalLM model = AutoModelForCausalLM.random(config, 0, manager, DataType.FLOAT32);
            FineTune.run(model, randomBlocks(config.vocabSize(), (warmup + steps) * batchSize, 1),
                    randomBlocks(config.vocabSize(), batchSize, 2), trainConfig, FineTune.Output.quiet(out), event -> {
                        if (event.get("event").equals("step") && ((Number) event.get("step")).longValue() > warmup) {
                            rates.add(((Number) event.get("tokens_per_s")).doubleValue());
                        }
                    });
        } finally {
            try (Stream<Path> files = Files.walk(out)) {
                for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(p);
                }
            }
        }
        // The better of two measurements around the run: on a shared machine one of them may
        // catch a busy moment, which would inflate the MFU.
        double matmulFlops = Math.max(matmulBefore, MatmulRate.measure(device, target.matmulSize, matmulSeconds));
        double tokensPerS = rates.stream().sorted().toList().get(rates.size() / 2);
        long n = config.matmulParameters();
        Map<String, Object> line = preset.line("train");
        line.put("batch", batchSize);
        line.put("micro_batch", trainConfig.microBatch());
        line.put("mixed_precision", mixedPrecision);
        line.put("block_size", block.blockSize);
        line.put("steps_timed", rates.size());
        line.put("tokens_per_s", BenchCommand.round(tokensPerS, 1));
        line.put("matmul_params", n);
        line.put("train_flops_per_token", 6 * n);
        target.putRates(line, 6.0 * n * tokensPerS, matmulFlops, device);
        stdout.jsonLine(line);
        return 0;
    }

    /** {@code blocks} blocks of seeded random ids (see {@link BenchCommand#randomTokenIds}). */
    private TokenBlocks randomBlocks(int vocab, int blocks, long seed) {
        return TokenBlocks.of(BenchCommand.randomTokenIds(seed, blocks * block.blockSize, vocab), block.blockSize);
    }
}
