package io.collapse.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.config.LmConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.eval.Evaluator;
import io.collapse.model.CausalLM;
import io.collapse.model.MemoryBudget;
import io.collapse.model.auto.AutoModelForCausalLM;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Evaluation speed (the forward pass and the NLL, as {@code collapse eval} runs them) on a randomly
 * initialised preset model, and an MFU estimate against the measured float32 matmul rate.
 *
 * <p>FLOPs counted per token: 2·N, N = the weights of every matmul a token goes through: per
 * decoder layer q/k/v/out_proj (4·h²) and fc1/fc2 (2·h·ffn), project_in/out when present, and the
 * LM head (V·word_embed_proj_dim, tied to embed_tokens). Not counted: embedding lookups, biases,
 * layer norms, softmax, and attention's score/value products (2·2·T·h per layer and token, reported
 * apart as {@code attention_flops_per_token}).
 */
@Command(name = "eval", description = "Evaluation speed: tokens/s of forward + NLL on a random preset model, and MFU"
        + " = 2·N·tokens/s over the measured float32 matmul rate (one JSON line).")
final class BenchEvalCommand implements Callable<Integer> {

    @Mixin BenchPreset preset;

    @Option(names = "--batch-size", defaultValue = "16", description = "Blocks per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin BlockSizeOption block;

    @Option(names = "--seconds", defaultValue = "20", description = "How long to time evaluation, after a warm-up (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Mixin BenchTarget target;

    @Mixin Stdout stdout;

    @Override
    public Integer call() throws Exception {
        if (batchSize < 1 || block.blockSize < 2 || seconds <= 0 || target.matmulSize < 1) {
            throw new IllegalArgumentException("bench eval: expected --batch-size >= 1, --block-size >= 2, --seconds > 0,"
                    + " --matmul-size >= 1; got " + batchSize + ", " + block.blockSize + ", " + seconds + ", "
                    + target.matmulSize);
        }
        LmConfig config = preset.config();
        Device device = target.device();
        MemoryBudget.require("bench eval: --batch-size " + batchSize + " of " + block.blockSize + "-token blocks",
                MemoryBudget.eval(config, batchSize, block.blockSize, 4), device, "--batch-size or --block-size");
        double matmulFlops = MatmulRate.measure(device, target.matmulSize, Math.min(seconds, 5));

        TokenBlocks blocks = TokenBlocks.of(BenchCommand.randomTokenIds(0, batchSize * block.blockSize, config.vocabSize()),
                block.blockSize);
        int batches = 0;
        double elapsed;
        try (NDManager manager = NDManager.newBaseManager(device)) {
            CausalLM model = AutoModelForCausalLM.random(config, 0, manager, DataType.FLOAT32);
            Evaluator.evaluate(model, blocks, batchSize, done -> {}); // warm-up: first native calls, allocator
            long start = System.nanoTime();
            do {
                Evaluator.evaluate(model, blocks, batchSize, done -> {});
                batches++;
                elapsed = (System.nanoTime() - start) / 1e9;
            } while (elapsed < seconds);
        }
        double tokensPerS = (double) batches * batchSize * block.blockSize / elapsed;
        long n = config.matmulParameters();
        Map<String, Object> line = preset.line("eval");
        line.put("batch", batchSize);
        line.put("block_size", block.blockSize);
        line.put("batches", batches);
        line.put("seconds", BenchCommand.round(elapsed, 3));
        line.put("tokens_per_s", BenchCommand.round(tokensPerS, 1));
        line.put("matmul_params", n);
        line.put("flops_per_token", 2 * n);
        line.put("attention_flops_per_token", 4L * config.numHiddenLayers() * block.blockSize * config.hiddenSize());
        target.putRates(line, 2.0 * n * tokensPerS, matmulFlops, device);
        stdout.jsonLine(line);
        return 0;
    }
}
