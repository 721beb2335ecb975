package io.collapse.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.config.GenerationConfig;
import io.collapse.config.LmConfig;
import io.collapse.config.Strategy;
import io.collapse.generate.Generator;
import io.collapse.model.CausalLM;
import io.collapse.model.Scope;
import io.collapse.model.Sdpa;
import io.collapse.model.auto.AutoModelForCausalLM;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * New tokens per second of beam search (the paper's corpus setting) and sampling on a randomly
 * initialised model, over batch sizes, with and without the KV cache.
 */
public final class GenerateBench {

    /**
     * @param model the preset, given random weights (seed 0)
     * @param strategies the decoders, each with HF's defaults for the rest
     * @param batchSizes prompts per call
     * @param promptTokens prompt length
     * @param newTokens new tokens per prompt; min = max, as the paper
     * @param noCacheMaxBatch largest batch also timed without the KV cache
     * @param repeats timed runs per measurement (at least one runs); the median counts
     */
    public record Settings(LmConfig model, List<Strategy> strategies, List<Integer> batchSizes, int promptTokens,
            int newTokens, int noCacheMaxBatch, int repeats, Device device) {}

    /**
     * One decoder, batch size and cache setting timed.
     *
     * @param config the decoder as run
     * @param steps the decoding steps of one call
     * @param repeats the timed calls
     * @param medianSeconds their median time
     */
    public record Measurement(Settings settings, GenerationConfig config, int batch, int steps, int repeats,
            double medianSeconds) {

        public double newTokensPerS() {
            return batch * (double) settings.newTokens / medianSeconds;
        }

        /** The measurement's JSON fields, in order, rounded as printed. */
        public Map<String, Object> fields() {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("strategy", config.strategy());
            line.put("num_beams", config.numBeams());
            line.put("batch", batch);
            line.put("use_cache", config.useCache());
            line.put("attention", Sdpa.form());
            line.put("prompt_tokens", settings.promptTokens);
            line.put("new_tokens", settings.newTokens);
            line.put("steps", steps);
            line.put("repeats", repeats);
            line.put("median_seconds", Rates.round(medianSeconds, 4));
            line.put("new_tokens_per_s", Rates.round(newTokensPerS(), 1));
            Rates.putWhere(line, settings.device);
            return line;
        }
    }

    /** Takes each measurement as it is made. */
    @FunctionalInterface
    public interface Sink {
        void accept(Measurement measurement) throws IOException;
    }

    private GenerateBench() {}

    /** Every strategy × batch size × cache on and off (off up to {@code noCacheMaxBatch}), in that order. */
    public static void run(Settings s, Sink sink) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(s.device)) {
            CausalLM model = AutoModelForCausalLM.random(s.model, 0, manager, DataType.FLOAT32);
            for (Strategy strategy : s.strategies) {
                for (int batch : s.batchSizes) {
                    for (boolean cache : new boolean[] {true, false}) {
                        if (cache || batch <= s.noCacheMaxBatch) {
                            sink.accept(measure(s, model, config(strategy, s.newTokens, cache), batch, manager));
                        }
                    }
                }
            }
        }
    }

    /** HF's defaults for {@code strategy}, exactly {@code newTokens} new tokens, beam's repetition penalty 3 (the paper's). */
    static GenerationConfig config(Strategy strategy, int newTokens, boolean cache) {
        return GenerationConfig.of(Map.of("strategy", strategy, "min_new_tokens", newTokens, "max_new_tokens", newTokens,
                "repetition_penalty", strategy == Strategy.BEAM ? 3.0 : 1.0, "use_cache", cache));
    }

    /** One warm-up call, then {@code repeats} timed calls on seeded random prompts (seed: the batch size). */
    private static Measurement measure(Settings s, CausalLM model, GenerationConfig config, int batch,
            NDManager manager) {
        int[][] prompts = RandomTokens.prompts(batch, batch, s.promptTokens, s.model.vocabSize());
        Generator generator = new Generator(model, config);
        int steps = decode(generator, prompts, manager); // warm-up: JIT, allocator, first native calls
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < Math.max(1, s.repeats); i++) {
            long start = System.nanoTime();
            decode(generator, prompts, manager);
            times.add((System.nanoTime() - start) / 1e9);
        }
        return new Measurement(s, config, batch, steps, times.size(), TrainBench.median(times));
    }

    private static int decode(Generator generator, int[][] prompts, NDManager manager) {
        try (Scope scope = Scope.of(manager)) {
            return generator.generate(prompts, null, 0, scope.manager()).steps();
        }
    }
}
