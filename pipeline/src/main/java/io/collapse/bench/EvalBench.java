package io.collapse.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.config.LmConfig;
import io.collapse.data.TokenBlocks;
import io.collapse.eval.Evaluator;
import io.collapse.model.CausalLM;
import io.collapse.model.Sdpa;
import io.collapse.model.auto.AutoModelForCausalLM;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Evaluation speed (the forward pass and the NLL, as {@code collapse eval} runs them) on a randomly
 * initialised model, and an MFU estimate against the measured float32 matmul rate.
 *
 * <p>FLOPs counted per token: 2·N, N = the weights of every matmul a token goes through, as the
 * family counts them ({@link io.collapse.config.LmConfig#matmulParameters}: attention and MLP
 * projections per layer, the LM head). Not counted: embedding lookups, biases, norms, softmax, and
 * attention's score/value products (2·2·T·h per layer and token, reported apart as
 * {@code attention_flops_per_token}).
 */
public final class EvalBench {

    /**
     * @param model the preset, given random weights (seed 0)
     * @param batchSize blocks per forward pass
     * @param blockSize tokens per block
     * @param seconds how long to time evaluation, after a warm-up; the matmul is timed for as long, 5 s at most
     * @param matmulSize n of the n×n×n matmul timed for the peak rate
     */
    public record Settings(LmConfig model, int batchSize, int blockSize, double seconds, Device device, int matmulSize) {}

    /**
     * @param batches how many times the batch was evaluated in the timed span
     * @param seconds the timed span
     */
    public record Result(Settings settings, int batches, double seconds, double matmulFlopsPerS) {

        public double tokensPerS() {
            return (double) batches * settings.batchSize * settings.blockSize / seconds;
        }

        public Rates rates() {
            return new Rates(2.0 * settings.model.matmulParameters() * tokensPerS(), settings.matmulSize, DataType.FLOAT32,
                    matmulFlopsPerS, settings.device);
        }

        /** The measurement's JSON fields, in order, rounded as printed. */
        public Map<String, Object> fields() {
            LmConfig config = settings.model;
            long n = config.matmulParameters();
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("batch", settings.batchSize);
            line.put("block_size", settings.blockSize);
            line.put("attention", Sdpa.form());
            line.put("batches", batches);
            line.put("seconds", Rates.round(seconds, 3));
            line.put("tokens_per_s", Rates.round(tokensPerS(), 1));
            line.put("matmul_params", n);
            line.put("flops_per_token", 2 * n);
            line.put("attention_flops_per_token", 4L * config.numHiddenLayers() * settings.blockSize * config.hiddenSize());
            rates().putTo(line);
            return line;
        }
    }

    private EvalBench() {}

    /** Times the matmul, then evaluates one batch of random blocks (seed 0) again and again for {@code seconds}. */
    public static Result run(Settings s) {
        double matmulFlops = MatmulRate.measure(s.device, s.matmulSize, DataType.FLOAT32, Math.min(s.seconds, 5));
        TokenBlocks blocks = RandomTokens.blocks(0, s.batchSize, s.blockSize, s.model.vocabSize());
        int batches = 0;
        double elapsed;
        try (NDManager manager = NDManager.newBaseManager(s.device)) {
            CausalLM model = AutoModelForCausalLM.random(s.model, 0, manager, DataType.FLOAT32);
            Evaluator.evaluate(model, blocks, s.batchSize, done -> {}); // warm-up: first native calls, allocator
            long start = System.nanoTime();
            do {
                Evaluator.evaluate(model, blocks, s.batchSize, done -> {});
                batches++;
                elapsed = (System.nanoTime() - start) / 1e9;
            } while (elapsed < s.seconds);
        }
        return new Result(s, batches, elapsed, matmulFlops);
    }
}
