package io.collapse.cli;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import io.collapse.config.Check;
import io.collapse.config.ConfigLoader;
import io.collapse.config.TrainConfig;
import io.collapse.data.DataSource;
import io.collapse.data.TokenBlocks;
import io.collapse.model.MemoryBudget;
import io.collapse.pipeline.RunLock;
import io.collapse.pipeline.RunPlatform;
import io.collapse.train.FineTune;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Fine-tunes a model on a dataset's training blocks, validating on its validation blocks. */
@Command(name = "train",
        description = "Fine-tune a model (the paper's AdamW recipe by default) and keep the best checkpoint by validation"
                + " loss. Running it again on the same --out resumes where it stopped.")
final class TrainCommand implements Callable<Integer> {

    @Mixin ModelOptions modelOptions;

    @ArgGroup(exclusive = true, multiplicity = "1")
    DataSourceOptions source;

    @Option(names = "--valid", paramLabel = "FILE",
            description = "Validation file for --text/--jsonl (same format); else held out from the end of the file.")
    Path valid;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Run folder: best/ and last/ (HF directories), state/ (resume), events.jsonl.")
    Path out;

    @Mixin BlockSizeOption block;

    @Option(names = "--train-blocks", defaultValue = "0", description = "Use the first N training blocks; 0 = all (default).")
    int trainBlocks;

    @Option(names = "--valid-blocks", defaultValue = "0", description = "Use the first N validation blocks; 0 = all (default).")
    int validBlocks;

    @Mixin CacheDirOption cache;

    @Option(names = "--epochs", description = "Epochs (paper: 5, or 10 with 10%% original data kept; default: 5).")
    Integer epochs;

    @Option(names = "--batch-size", description = "Blocks per optimizer step (paper: 128; default: 128).")
    Integer batchSize;

    @Option(names = "--micro-batch", description = "Blocks per forward/backward; gradients accumulate up to --batch-size (default: the batch size).")
    Integer microBatch;

    @Option(names = "--lr", description = "Peak learning rate (paper: 2e-5; default: 2e-5).")
    Double lr;

    @Option(names = "--weight-decay", description = "AdamW weight decay (torch's default, as the released code; default: 0.01).")
    Double weightDecay;

    @Option(names = "--schedule",
            description = "paper-epoch-linear, epoch-cosine, warmup-linear, warmup-cosine or constant (default: paper-epoch-linear).")
    String schedule;

    @Option(names = "--warmup-steps", description = "Warmup steps of the per-step schedules (default: 0).")
    Integer warmupSteps;

    @Option(names = "--max-grad-norm", description = "Clip the gradient norm to this; 0 = off (default).")
    Double maxGradNorm;

    @Option(names = "--seed", description = "Data order and dropout seed (paper: 0..4; default: 0).")
    Long seed;

    @Option(names = "--valid-every", description = "Also validate and checkpoint every N steps; 0 = per epoch only (default).")
    Integer validEvery;

    @Option(names = "--log-every", description = "One step event in events.jsonl every N steps (default: 1).")
    Integer logEvery;

    @Option(names = "--mixed-precision",
            description = "off, fp16 (float16 compute, float32 master weights, dynamic loss scaling) or bf16; GPU only (default: off).")
    String mixedPrecision;

    @Mixin ProgressOption progress;

    @Option(names = "--json", description = "Print one JSON object at the end (and no progress bar).")
    boolean json;

    @Mixin Stdout stdout;

    @Override
    public Integer call() throws Exception {
        TrainConfig config = trainConfig();
        Check.atLeast("--train-blocks", trainBlocks, 0);
        Check.atLeast("--valid-blocks", validBlocks, 0);
        if (modelOptions.dataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("--dtype: training runs in float32, got " + modelOptions.dtype);
        }
        long start = System.nanoTime();
        FineTune.checkOutDir(out); // before the lock, which would leave its file in a folder of the user's
        try (RunLock lock = RunLock.acquire(out, stdout.err());
                ModelOptions.Loaded loaded = modelOptions.load()) {
            int blockSize = block.tokens(loaded.config());
            List<DataSource.LoadedSplit> splits = source.dataSource(valid, null).load(cache.dataPaths(),
                    List.of("train", "valid"), loaded.tokenizer(), blockSize);
            TokenBlocks train = splits.get(0).blocks().first(trainBlocks, "--train-blocks");
            TokenBlocks valid = splits.get(1).blocks().first(validBlocks, "--valid-blocks");
            // Before the first step.
            MemoryBudget.require("train: --micro-batch " + config.microBatch() + " of " + blockSize + "-token blocks",
                    MemoryBudget.train(loaded.config(), config.microBatch(), blockSize), loaded.manager().getDevice(),
                    "--micro-batch or --block-size");
            FineTune.Output output = new FineTune.Output(out, out.resolve("events.jsonl"), loaded.dir(), progress.shown() && !json,
                    stdout.err());
            FineTune.Result result = FineTune.run(loaded.model(), train, valid, config, output,
                    recordingPlatform(output.eventsFile(), loaded.manager().getDevice()));
            print(loaded.dir(), train, valid, config, result, output, (System.nanoTime() - start) / 1e9);
        }
        return 0;
    }

    /** Records the platform at each start that trains, and warns where the last ran elsewhere, as a run does. */
    private FineTune.Listener recordingPlatform(Path events, Device device) {
        return new FineTune.Listener() {
            @Override
            public void onEvent(Map<String, Object> event) {}

            @Override
            public void onStart(BiConsumer<String, Map<String, Object>> append) throws IOException {
                RunPlatform.recordStart(events, List.of(device), stdout.err(), append);
            }
        };
    }

    /** The paper's recipe with the options given on top; an option not given leaves the config's default. */
    TrainConfig trainConfig() {
        Map<String, Object> given = ConfigLoader.fields("epochs", epochs, "batch_size", batchSize, "micro_batch", microBatch,
                "learning_rate", lr, "weight_decay", weightDecay, "schedule", schedule,
                "warmup_steps", warmupSteps, "max_grad_norm", maxGradNorm, "seed", seed,
                "valid_every_n_steps", validEvery, "log_every_steps", logEvery, "mixed_precision", mixedPrecision);
        return ConfigLoader.fromFields("train", TrainConfig.class, TrainConfig.PAPER, given);
    }

    private void print(Path model, TokenBlocks train, TokenBlocks valid, TrainConfig config, FineTune.Result result,
            FineTune.Output output, double seconds) throws IOException {
        String dataset = source.name();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", model.toString());
        doc.put("dataset", dataset);
        doc.put("train_blocks", train.numBlocks());
        doc.put("valid_blocks", valid.numBlocks());
        doc.put("config", config);
        doc.put("steps", result.steps());
        doc.put("steps_this_start", result.stepLosses().size()); // 0: the folder had finished
        doc.put("best_valid_loss", result.bestValidLoss());
        doc.put("best_valid_ppl", Math.exp(result.bestValidLoss()));
        doc.put("best_epoch", result.bestEpoch());
        doc.put("best_step", result.bestStep());
        doc.put("best_dir", result.bestDir().toString());
        doc.put("last_dir", result.lastDir().toString());
        doc.put("seconds", Math.round(seconds * 10) / 10.0);
        stdout.print(json, doc, w -> {
            int ran = result.stepLosses().size();
            w.printf("%s %s on %s: %d train / %d valid blocks of %d tokens, %d steps (%s) in %.1f s%n",
                    ran == 0 ? "already trained" : "trained", model, dataset, train.numBlocks(), valid.numBlocks(),
                    train.blockSize(), result.steps(), ran == result.steps() ? "all this start" : ran + " this start", seconds);
            w.printf("best validation loss %.4f (perplexity %.2f) at epoch %d, step %d%n", result.bestValidLoss(),
                    Math.exp(result.bestValidLoss()), result.bestEpoch(), result.bestStep());
            w.printf("best model: %s%nlast model: %s%nevents: %s%n", result.bestDir(), result.lastDir(),
                    output.eventsFile());
        });
    }
}
