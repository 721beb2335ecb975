package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.Map;

/**
 * One fine-tuning run: optimizer, schedule, batching, checks and logging.
 *
 * <p>Optional fields (boxed) take the default named in their comment when absent from the JSON.
 *
 * @param epochs passes over the training blocks (paper: 5 in regime a, 10 in regime b)
 * @param batchSize blocks per optimizer step (paper: 128)
 * @param microBatch blocks per forward/backward; gradients of {@code batchSize / microBatch}
 *     micro-batches are accumulated so a batch of 128 fits any memory (default: batchSize)
 * @param learningRate peak learning rate (paper: 2e-5)
 * @param adamBeta1 AdamW beta1 (default 0.9, torch's)
 * @param adamBeta2 AdamW beta2 (default 0.999, torch's)
 * @param adamEpsilon AdamW eps (default 1e-8, torch's)
 * @param weightDecay decoupled weight decay (default 0.01): the released code builds
 *     {@code torch.optim.AdamW(self.parameters(), lr=...)} (iliaishacked/curse_recurse,
 *     plt_model.py), i.e. torch's default 0.01 on every parameter; HF Trainer would use 0.0
 * @param schedule {@code paper-epoch-linear} (factor 1.0 → 0.1 over the epochs, stepped once per
 *     epoch, the paper's text), {@code epoch-cosine} (torch CosineAnnealingLR(T_max=epochs,
 *     eta_min=1e-6) stepped per epoch, the released code), {@code warmup-linear},
 *     {@code warmup-cosine} (HF's per-step schedules), {@code constant}
 * @param warmupSteps linear warmup steps of the per-step schedules (default 0)
 * @param maxGradNorm clip the global gradient L2 norm to this value; 0 = no clipping (default 0)
 * @param seed data order and dropout derive from it (absent: 0; `collapse run` derives one per
 *     generation from experiment.seed instead)
 * @param validEveryNSteps also validate every N optimizer steps; 0 = once per epoch only (default 0)
 * @param logEverySteps one "step" event every N optimizer steps (default 1)
 * @param dtype dtype of the weights the optimizer updates; only {@code float32} is implemented (default)
 * @param mixedPrecision {@code off} (default: everything float32), {@code fp16} (forward and backward
 *     in a float16 copy of the weights, float32 master weights and AdamW moments, dynamic loss
 *     scaling as torch.cuda.amp.GradScaler) or {@code bf16} (bfloat16 copy, float32 master, no
 *     scaling). bf16 needs the JNI {@code collapse native build} makes (DJL 0.36's own aborts the
 *     JVM converting to bfloat16); fp16 is for GPUs and runs on the CPU only when forced for tests
 *     ({@code -Dcollapse.fp16_on_cpu=true})
 * @param lossScaleInit fp16's first loss scale (default 65536 = 2^16, GradScaler's init_scale)
 * @param lossScaleGrowthInterval fp16: double the scale after this many steps in a row with finite
 *     gradients (default 2000, GradScaler's growth_interval)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TrainConfig(
        int epochs,
        int batchSize,
        Integer microBatch,
        double learningRate,
        Double adamBeta1,
        Double adamBeta2,
        Double adamEpsilon,
        Double weightDecay,
        Schedule schedule,
        Integer warmupSteps,
        Double maxGradNorm,
        long seed,
        @JsonProperty("valid_every_n_steps") Integer validEveryNSteps,
        Integer logEverySteps,
        String dtype,
        MixedPrecision mixedPrecision,
        Double lossScaleInit,
        Integer lossScaleGrowthInterval) {

    public TrainConfig {
        microBatch = microBatch == null ? Integer.valueOf(batchSize) : microBatch;
        adamBeta1 = adamBeta1 == null ? 0.9 : adamBeta1;
        adamBeta2 = adamBeta2 == null ? 0.999 : adamBeta2;
        adamEpsilon = adamEpsilon == null ? 1e-8 : adamEpsilon;
        weightDecay = weightDecay == null ? 0.01 : weightDecay;
        schedule = schedule == null ? Schedule.PAPER_EPOCH_LINEAR : schedule;
        warmupSteps = warmupSteps == null ? 0 : warmupSteps;
        maxGradNorm = maxGradNorm == null ? 0.0 : maxGradNorm;
        validEveryNSteps = validEveryNSteps == null ? 0 : validEveryNSteps;
        logEverySteps = logEverySteps == null ? 1 : logEverySteps;
        dtype = dtype == null ? "float32" : dtype;
        mixedPrecision = mixedPrecision == null ? MixedPrecision.OFF : mixedPrecision;
        lossScaleInit = lossScaleInit == null ? 65536.0 : lossScaleInit;
        lossScaleGrowthInterval = lossScaleGrowthInterval == null ? 2000 : lossScaleGrowthInterval;

        Check.atLeast("train.epochs", epochs, 1);
        Check.atMost("train.epochs", epochs, MAX_EPOCHS);
        Check.atLeast("train.batch_size", batchSize, 1);
        Check.atLeast("train.micro_batch", microBatch, 1);
        if (batchSize % microBatch != 0) {
            throw new IllegalArgumentException("train.micro_batch (" + microBatch + ") must divide train.batch_size ("
                    + batchSize + "): batch = micro_batch x accumulation steps");
        }
        Check.positive("train.learning_rate", learningRate);
        if (!(adamBeta1 >= 0 && adamBeta1 < 1)) {
            throw new IllegalArgumentException("train.adam_beta1 must lie in [0, 1), got " + adamBeta1);
        }
        if (!(adamBeta2 >= 0 && adamBeta2 < 1)) {
            throw new IllegalArgumentException("train.adam_beta2 must lie in [0, 1), got " + adamBeta2);
        }
        Check.positive("train.adam_epsilon", adamEpsilon);
        Check.range("train.weight_decay", weightDecay, 0.0, 1.0);
        Check.atLeast("train.warmup_steps", warmupSteps, 0);
        if (warmupSteps > 0 && schedule.perEpoch()) {
            throw new IllegalArgumentException("train.warmup_steps must be 0 with schedule '" + schedule
                    + "' (stepped per epoch), got " + warmupSteps);
        }
        Check.range("train.max_grad_norm", maxGradNorm, 0.0, Double.MAX_VALUE);
        Check.atLeast("train.valid_every_n_steps", validEveryNSteps, 0);
        Check.atLeast("train.log_every_steps", logEverySteps, 1);
        Check.oneOf("train.dtype", dtype, "float32");
        Check.positive("train.loss_scale_init", lossScaleInit);
        Check.atLeast("train.loss_scale_growth_interval", lossScaleGrowthInterval, 1);
    }

    /** A typo's 2^31 epochs would run for ever; the paper trains 5 or 10. */
    public static final int MAX_EPOCHS = 1000;

    /**
     * The paper's recipe as a config file states it: regime (a)'s 5 epochs, 128 blocks a step, lr
     * 2e-5; every other field at its default (linear 1.0 → 0.1 per epoch, AdamW as released).
     */
    public static final Map<String, Object> PAPER = Map.of("epochs", 5, "batch_size", 128, "learning_rate", 2e-5);

    /** The paper's recipe with {@code epochs} epochs and data order {@code seed}. */
    public static TrainConfig paper(int epochs, long seed) {
        return ConfigLoader.fromFields("train", TrainConfig.class, PAPER, Map.of("epochs", epochs, "seed", seed));
    }

    /** {@code fields} (JSON names) over the defaults, checked as a config file's train section. */
    public static TrainConfig of(Map<String, ?> fields) {
        return ConfigLoader.fromFields("train", TrainConfig.class, Map.of(), fields);
    }

    /** The same settings with another seed (each generation of a run trains with its own). */
    public TrainConfig withSeed(long newSeed) {
        return ConfigLoader.with("train", this, Map.of("seed", newSeed));
    }
}
