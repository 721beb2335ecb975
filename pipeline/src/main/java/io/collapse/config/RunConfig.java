package io.collapse.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One experiment as a config file states it: base model, data, fine-tuning, decoding, and the
 * generation loop. {@code configs/*.json} are instances; the resolved record is stored in the
 * run directory's run.json.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunConfig(
        String name,
        String description,
        ModelConfig model,
        DataConfig data,
        TrainConfig train,
        GenerationConfig generation,
        ExperimentConfig experiment,
        DeviceConfig device) {

    public RunConfig {
        Check.notBlank("name", name);
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("name must use letters, digits, '.', '_' or '-' (it names the run directory), got '" + name + "'");
        }
        description = description == null ? "" : description;
        require("model", model);
        require("data", data);
        require("train", train);
        require("generation", generation);
        require("experiment", experiment);
        device = device == null ? DeviceConfig.DEFAULT : device;
        if (!model.dtype().equals("float32")) {
            // Every generation is fine-tuned, and fine-tuning keeps float32 master weights.
            throw new IllegalArgumentException("model.dtype '" + model.dtype() + "' cannot be trained: training keeps float32"
                    + " master weights; use model.dtype float32, with train.mixed_precision fp16 or bf16 for half-precision compute");
        }
        if (generation.maxNewTokens() != data.blockSize()) {
            throw new IllegalArgumentException("generation.max_new_tokens (" + generation.maxNewTokens()
                    + ") must equal data.block_size (" + data.blockSize()
                    + "): every generated continuation becomes one training block of the next generation");
        }
    }

    public static RunConfig load(Path file, List<String> overrides) throws IOException {
        return ConfigLoader.load(file, RunConfig.class, overrides);
    }

    /** The configs packed into the jar (configs/*.json), by name. */
    public static final List<String> BUNDLED = List.of("demo-cpu", "gpt2-paper", "paper-10ep-10pct", "paper-5ep-no-data",
            "pythia-paper", "qwen2.5-paper", "smoke", "smollm2-paper");

    /** A config file, or a bundled config by file name ("paper-5ep-no-data" or "configs/paper-5ep-no-data.json"). */
    public static RunConfig load(String fileOrBundled, List<String> overrides) throws IOException {
        Path file = Path.of(fileOrBundled);
        if (Files.isRegularFile(file)) {
            return load(file, overrides);
        }
        String name = file.getFileName().toString();
        name = name.endsWith(".json") ? name : name + ".json";
        try (InputStream in = RunConfig.class.getResourceAsStream("/configs/" + name)) {
            if (in == null) {
                throw new IOException("config not found: " + fileOrBundled + " (neither a file nor a bundled config;"
                        + " bundled: " + String.join(", ", BUNDLED) + ")");
            }
            return ConfigLoader.fromTree(ConfigLoader.JSON.readTree(in), RunConfig.class, overrides, "bundled configs/" + name);
        }
    }

    /** The same experiment with another master seed (a sweep's run). */
    public RunConfig withSeed(long seed) {
        return new RunConfig(name, description, model, data, train, generation, experiment.withSeed(seed), device);
    }

    private static void require(String field, Object value) {
        if (value == null) {
            throw new IllegalArgumentException("the '" + field + "' section is missing");
        }
    }
}
