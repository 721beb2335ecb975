package io.collapse.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.config.DeviceConfig;
import io.collapse.config.LmConfig;
import io.collapse.model.CausalLM;
import io.collapse.model.Dtypes;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.ModelSource;
import io.collapse.text.AutoTokenizer;
import io.collapse.text.OptTokenizer;
import io.collapse.text.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * How a command gets its model: {@code --model} (an HF directory or a Hub id), {@code --dtype},
 * {@code --device} (as {@link DeviceConfig}), {@code --hub-cache}. A {@code @Mixin}; {@link #load}
 * reads the directory in any weights format {@link HfModelDir} knows and builds the model, which
 * rejects missing, unexpected and mis-shaped tensors.
 */
public final class ModelOptions {

    @Option(names = "--model", required = true, paramLabel = "DIR|HUB_ID",
            description = "An HF model directory (config.json, and the weights in model.safetensors or"
                    + " pytorch_model.bin), or a Hub id such as facebook/opt-125m[@revision], downloaded once unless"
                    + " HF_HUB_OFFLINE or COLLAPSE_OFFLINE is set.")
    String model;

    @Option(names = "--dtype", defaultValue = "float32",
            description = "Parameter dtype: float32, float16 or (self-built JNI) bfloat16 (default: ${DEFAULT-VALUE});"
                    + " logits and losses are float32 either way.")
    String dtype;

    @Mixin DeviceOption device;

    /** {@code --hub-cache}'s help, shared with {@link ExportCommand}, which reads checkpoints without a model. */
    static final String HUB_CACHE_HELP = "Hub download cache (default: <cache>/hub, <cache> being -Dcollapse.cache,"
            + " else $COLLAPSE_CACHE, else <repo>/.cache).";

    @Option(names = "--hub-cache", paramLabel = "DIR", description = HUB_CACHE_HELP)
    Path hubCache;

    /** A loaded model and the manager that owns its parameters; closing frees them. */
    public record Loaded(Path dir, CausalLM model, NDManager manager) implements AutoCloseable {

        public LmConfig config() {
            return model.config();
        }

        /** The directory's tokenizer (checked against the model's vocab_size), else the bundled OPT-125m one (every OPT size shares it). */
        public Tokenizer tokenizer() throws IOException {
            return HfModelDir.hasTokenizer(dir) ? AutoTokenizer.forModel(dir, config(), dir.resolve(HfModelDir.CONFIG))
                    : OptTokenizer.embedded();
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /** The model directory: {@code --model} itself, or the cached (else downloaded) Hub copy. */
    public Path resolveDir() throws IOException {
        return resolveDir(model, hubCache);
    }

    /** {@code model} (a directory or a Hub id) as a directory, downloading into {@code hubCache} (null: the default). */
    static Path resolveDir(String model, Path hubCache) throws IOException {
        return ModelSource.resolve(model, hubCache != null ? hubCache : ModelSource.defaultCacheDir());
    }

    /** Reads the model named by the options onto {@code --device} (a GPU not visible fails here, at start) in {@link #dataType()}. */
    public Loaded load() throws IOException {
        DataType dt = dataType();
        Device dev = device.resolve();
        Path dir = resolveDir();
        NDManager manager = NDManager.newBaseManager(dev);
        try {
            return new Loaded(dir, AutoModelForCausalLM.fromPretrained(dir, manager, dt), manager);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** {@code --dtype} as a DJL type. */
    public DataType dataType() {
        return Dtypes.parse("--dtype", dtype);
    }
}
