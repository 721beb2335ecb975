package io.collapse.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import io.collapse.config.ConfigLoader;
import io.collapse.config.GenerationConfig;
import io.collapse.config.LmConfig;
import io.collapse.config.Strategy;
import io.collapse.generate.Generator;
import io.collapse.model.CausalLM;
import io.collapse.model.MemoryBudget;
import io.collapse.model.Scope;
import io.collapse.model.auto.AutoModelForCausalLM;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * New tokens per second of beam search (the paper's corpus setting) and sampling on a randomly
 * initialised preset model, over batch sizes, with and without the KV cache.
 */
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
        LmConfig config = preset.config();
        // HF's defaults for each strategy, as GenerationConfig.of gives them; a bad name fails naming generation.strategy.
        List<GenerationConfig> hfDefaults = strategies.stream().map(s -> ConfigLoader.fromFields("generation",
                GenerationConfig.class, Map.of(), Map.of("strategy", s, "max_new_tokens", newTokens))).toList();
        try (NDManager manager = NDManager.newBaseManager()) {
            requireMemory(config, hfDefaults, manager.getDevice());
            CausalLM model = AutoModelForCausalLM.random(config, 0, manager, DataType.FLOAT32);
            for (GenerationConfig hf : hfDefaults) {
                Strategy strategy = hf.strategy();
                for (int batch : batchSizes) {
                    for (boolean cache : new boolean[] {true, false}) {
                        if (!cache && batch > noCacheMaxBatch) {
                            continue;
                        }
                        GenerationConfig cfg = new GenerationConfig(strategy, null, null, null, null, newTokens,
                                newTokens, strategy == Strategy.BEAM ? 3.0 : 1.0, null, null, null, null,
                                0L, null, cache);
                        int[][] prompts = prompts(batch, config.vocabSize());
                        Generator generator = new Generator(model, cfg);
                        int steps = run(generator, prompts, manager); // warm-up: JIT, allocator, first native calls
                        double[] times = new double[Math.max(1, repeats)];
                        for (int i = 0; i < times.length; i++) {
                            long start = System.nanoTime();
                            run(generator, prompts, manager);
                            times[i] = (System.nanoTime() - start) / 1e9;
                        }
                        Arrays.sort(times);
                        double seconds = times[times.length / 2];
                        Map<String, Object> line = preset.line("generate");
                        line.put("strategy", strategy);
                        line.put("num_beams", cfg.numBeams());
                        line.put("batch", batch);
                        line.put("use_cache", cache);
                        line.put("prompt_tokens", promptTokens);
                        line.put("new_tokens", newTokens);
                        line.put("steps", steps);
                        line.put("repeats", times.length);
                        line.put("median_seconds", BenchCommand.round(seconds, 4));
                        line.put("new_tokens_per_s", BenchCommand.round(batch * (double) newTokens / seconds, 1));
                        line.put("device", manager.getDevice().toString());
                        line.put("torch_threads", JniUtils.getNumThreads());
                        stdout.jsonLine(line);
                    }
                }
            }
        }
        return 0;
    }

    private static int run(Generator generator, int[][] prompts, NDManager manager) {
        try (Scope scope = Scope.of(manager)) {
            return generator.generate(prompts, null, 0, scope.manager()).steps();
        }
    }

    /** Seeded random prompts of ids ≥ 4 (no pad, no EOS), like a wikitext block. */
    private int[][] prompts(int batch, int vocab) {
        int[] ids = BenchCommand.randomTokenIds(batch, batch * promptTokens, vocab);
        int[][] rows = new int[batch][];
        for (int b = 0; b < batch; b++) {
            rows[b] = Arrays.copyOfRange(ids, b * promptTokens, (b + 1) * promptTokens);
        }
        return rows;
    }
}
