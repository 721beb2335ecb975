package io.collapse.cli;

import ai.djl.Device;
import io.collapse.bench.GenerateBench;
import io.collapse.config.Check;
import io.collapse.config.ConfigLoader;
import io.collapse.config.GenerationConfig;
import io.collapse.config.LmConfig;
import io.collapse.model.MemoryBudget;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Decoding speed of beam search and sampling on a random preset model ({@link GenerateBench}). */
@Command(name = "generate", description = "Decoding speed: new tokens/s for beam search and sampling, by batch size, with and without the KV cache.")
final class BenchGenerateCommand implements Callable<Integer> {

    @Mixin BenchPreset preset;

    @Option(names = "--batch-sizes", split = ",", defaultValue = "1,4,16", description = "Prompts per call (default: ${DEFAULT-VALUE}).")
    List<Integer> batchSizes;

    @Option(names = "--prompt-tokens", defaultValue = "64", description = "Prompt length (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--new-tokens", defaultValue = "32", description = "New tokens per prompt; min = max, as the paper (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(names = "--strategies", split = ",", defaultValue = "beam,sample", description = "Which decoders (default: ${DEFAULT-VALUE}).")
    List<String> strategies;

    @Option(names = "--no-cache-max-batch", defaultValue = "4",
            description = "Largest batch also timed without the KV cache (it reruns the whole forward; default: ${DEFAULT-VALUE}).")
    int noCacheMaxBatch;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed runs per measurement; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Mixin DeviceOption device;

    @Mixin Stdout stdout;

    /** The largest batch of each strategy must fit, checked before the first measurement. */
    private void requireMemory(LmConfig config, List<GenerationConfig> hfDefaults, Device device) {
        int batch = batchSizes.stream().mapToInt(Integer::intValue).max().orElse(1);
        for (GenerationConfig g : hfDefaults) {
            int rows = g.rowsPerPrompt();
            MemoryBudget.require("bench generate: " + g.strategy() + " with --batch-sizes " + batch,
                    MemoryBudget.decode(config, (long) batch * rows, (long) promptTokens + newTokens, 4), device,
                    "--batch-sizes, --prompt-tokens or --new-tokens");
        }
    }

    @Override
    public Integer call() throws Exception {
        Check.between("--repeats", repeats, 1, 1000);
        for (int b : batchSizes) {
            Check.atLeast("--batch-sizes", b, 1);
        }
        Check.atLeast("--prompt-tokens", promptTokens, 1);
        Check.atLeast("--no-cache-max-batch", noCacheMaxBatch, 0);
        LmConfig config = preset.config();
        Check.between("--prompt-tokens + --new-tokens (the model's max_position_embeddings at most)",
                (long) promptTokens + newTokens, 2, config.maxPositionEmbeddings());
        // HF's defaults for each strategy, as GenerationConfig.of gives them; a bad name fails naming generation.strategy.
        List<GenerationConfig> hfDefaults = strategies.stream().map(s -> ConfigLoader.fromFields("generation",
                GenerationConfig.class, Map.of(), Map.of("strategy", s, "max_new_tokens", newTokens))).toList();
        Device where = device.resolve();
        requireMemory(config, hfDefaults, where);
        GenerateBench.Settings settings = new GenerateBench.Settings(config,
                hfDefaults.stream().map(GenerationConfig::strategy).toList(), batchSizes, promptTokens, newTokens,
                noCacheMaxBatch, repeats, where);
        GenerateBench.run(settings, measurement -> stdout.jsonLine(preset.line("generate", measurement.fields())));
        return 0;
    }
}
