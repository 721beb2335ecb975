package io.collapse.cli;

import ai.djl.Device;
import io.collapse.bench.EvalBench;
import io.collapse.config.Check;
import io.collapse.config.LmConfig;
import io.collapse.model.MemoryBudget;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Evaluation speed (forward + NLL) on a random preset model and its MFU ({@link EvalBench}). */
@Command(name = "eval", description = "Evaluation speed: tokens/s of forward + NLL on a random preset model, and MFU"
        + " = 2·N·tokens/s over the measured float32 matmul rate (one JSON line).")
final class BenchEvalCommand implements Callable<Integer> {

    @Mixin BenchPreset preset;

    @Mixin ForwardBatchOption batch;

    @Mixin BlockSizeOption block;

    @Option(names = "--seconds", defaultValue = "20", description = "How long to time evaluation, after a warm-up (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Mixin BenchTarget target;

    @Mixin Stdout stdout;

    @Override
    public Integer call() throws Exception {
        LmConfig config = preset.config();
        int blockSize = block.tokens(config); // at most the preset's positions
        int batchSize = batch.size();
        if (seconds <= 0) {
            throw new IllegalArgumentException("bench eval: expected --seconds > 0, got " + seconds);
        }
        Check.range("--seconds", seconds, 0, BenchTarget.MAX_SECONDS);
        Device device = target.device.resolve();
        int matmulSize = target.matmulSize(device);
        MemoryBudget.require("bench eval: --batch-size " + batchSize + " of " + blockSize + "-token blocks",
                MemoryBudget.eval(config, batchSize, blockSize, 4), device, "--batch-size or --block-size");
        EvalBench.Result result = EvalBench.run(new EvalBench.Settings(config, batchSize, blockSize, seconds, device,
                matmulSize));
        stdout.jsonLine(preset.line("eval", result.fields()));
        return 0;
    }
}
