package io.collapse.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.config.LmConfig;
import io.collapse.config.TrainConfig;
import io.collapse.io.AtomicFiles;
import io.collapse.model.CausalLM;
import io.collapse.model.Sdpa;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.train.AdamW;
import io.collapse.train.FineTune;
import io.collapse.train.TrainEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training speed of the real loop ({@link FineTune#run}: forward, backward, clipping, AdamW) on a
 * randomly initialised model, and an MFU estimate: 6·N·tokens/s (forward 2·N, backward 4·N per
 * token, N as in {@link LmConfig#matmulParameters}) over the measured float32 matmul rate
 * (the better of a measurement before and one after the run).
 * Tokens/s is the median of the per-step rates after the warm-up steps; validation and
 * checkpoint writing are outside the steps and not counted.
 */
public final class TrainBench {

    /**
     * @param model the preset, given random weights (seed 0)
     * @param train the loop's settings; its batch size counts the blocks of a step
     * @param blockSize tokens per block
     * @param steps optimizer steps timed, after the warm-up
     * @param warmup steps run first and not timed
     * @param matmulSize n of the n×n×n matmul timed for the peak rate
     * @param matmulSeconds how long to time the matmul, before and after the run each
     */
    public record Settings(LmConfig model, TrainConfig train, int blockSize, int steps, int warmup, Device device,
            int matmulSize, double matmulSeconds) {}

    /**
     * @param stepTokensPerS the tokens/s of each timed step, in order
     * @param matmulFlopsPerS the peak matmul rate, the better of the two measurements
     */
    public record Result(Settings settings, List<Double> stepTokensPerS, double matmulFlopsPerS) {

        /** The median of the timed steps' rates (the upper one of an even count). */
        public double tokensPerS() {
            return median(stepTokensPerS);
        }

        public Rates rates() {
            return new Rates(6.0 * settings.model.matmulParameters() * tokensPerS(), settings.matmulSize,
                    FineTune.computeType(settings.train.mixedPrecision()), matmulFlopsPerS, settings.device);
        }

        /** The measurement's JSON fields, in order, rounded as printed. */
        public Map<String, Object> fields() {
            long n = settings.model.matmulParameters();
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("batch", settings.train.batchSize());
            line.put("micro_batch", settings.train.microBatch());
            line.put("mixed_precision", settings.train.mixedPrecision());
            line.put("adamw", AdamW.fused(settings.device) ? "fused" : "per-tensor");
            line.put("attention", Sdpa.form());
            line.put("block_size", settings.blockSize);
            line.put("steps_timed", stepTokensPerS.size());
            line.put("tokens_per_s", Rates.round(tokensPerS(), 1));
            line.put("matmul_params", n);
            line.put("train_flops_per_token", 6 * n);
            rates().putTo(line);
            return line;
        }
    }

    private TrainBench() {}

    /** Trains a random model for {@code warmup + steps} steps in a temporary directory, removed after. */
    public static Result run(Settings s) throws IOException {
        // Refused before the matmul, which converts to that dtype: bf16 on DJL's own JNI aborts the JVM.
        FineTune.checkMixedPrecision(s.train.mixedPrecision(), List.of(s.device));
        // The peak in the dtype the steps compute in: a bf16 run measured against float32's would
        // report an MFU above 1.
        DataType computeType = FineTune.computeType(s.train.mixedPrecision());
        double matmulBefore = MatmulRate.measure(s.device, s.matmulSize, computeType, s.matmulSeconds);
        int batch = s.train.batchSize();
        int vocab = s.model.vocabSize();
        List<Double> rates = new ArrayList<>();
        Path out = Files.createTempDirectory("collapse-bench-train-");
        try (NDManager manager = NDManager.newBaseManager(s.device)) {
            CausalLM model = AutoModelForCausalLM.random(s.model, 0, manager, DataType.FLOAT32);
            FineTune.run(model, RandomTokens.blocks(1, (s.warmup + s.steps) * batch, s.blockSize, vocab),
                    RandomTokens.blocks(2, batch, s.blockSize, vocab), s.train, FineTune.Output.quiet(out), event -> {
                        if (event.get("event").equals(TrainEvent.STEP.id()) && ((Number) event.get("step")).longValue() > s.warmup) {
                            rates.add(((Number) event.get("tokens_per_s")).doubleValue());
                        }
                    });
        } finally {
            AtomicFiles.deleteTree(out);
        }
        // The better of two measurements around the run: on a shared machine one of them may
        // catch a busy moment, which would inflate the MFU.
        double matmulFlops = Math.max(matmulBefore, MatmulRate.measure(s.device, s.matmulSize, computeType, s.matmulSeconds));
        return new Result(s, rates, matmulFlops);
    }

    /** The middle value of {@code values}; of an even count, the upper of the two middle ones. */
    static double median(List<Double> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }
}
