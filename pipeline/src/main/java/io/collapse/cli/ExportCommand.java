package io.collapse.cli;

import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import io.collapse.text.AutoTokenizer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Any readable checkpoint (safetensors, sharded, torch zip; local or on the Hub) → an HF model directory. */
@Command(name = "export", description = "Write a model as an HF directory (config.json, model.safetensors, tokenizer files) that transformers loads as-is.")
final class ExportCommand implements Callable<Integer> {

    /** The dtypes an export may write, spelled as torch spells them. */
    enum Dtype {
        float32(HostTensor.DType.F32), float16(HostTensor.DType.F16), bfloat16(HostTensor.DType.BF16);

        final HostTensor.DType dtype;

        Dtype(HostTensor.DType dtype) {
            this.dtype = dtype;
        }
    }

    @Option(names = "--model", required = true, paramLabel = "DIR|HUB_ID",
            description = "An HF model directory, or a Hub id such as facebook/opt-125m[@revision] (downloaded unless offline).")
    String model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write: a new or empty folder, or a model directory collapse wrote, which is"
                    + " replaced atomically.")
    Path out;

    @Option(names = "--dtype", defaultValue = "float32", description = "Weights dtype: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Dtype dtype;

    @Option(names = "--hub-cache", paramLabel = "DIR", description = ModelOptions.HUB_CACHE_HELP)
    Path hubCache;

    @Mixin JsonStdout stdout;

    @Override
    public Integer call() throws Exception {
        Path source = ModelOptions.resolveDir(model, hubCache);
        HfModelDir.Checkpoint checkpoint = HfModelDir.read(source);
        // What collapse and transformers will load the folder with, checked before a byte is written.
        AutoModelForCausalLM.checkFits(checkpoint);
        boolean ownTokenizer = HfModelDir.hasTokenizer(source);
        if (ownTokenizer) {
            AutoTokenizer.forModel(source, checkpoint.config(), source.resolve(HfModelDir.CONFIG));
        }
        HfModelDir.write(out, checkpoint.config(), checkpoint.tensors(), dtype.dtype, source);

        long parameters = checkpoint.tensors().values().stream().mapToLong(HostTensor::numel).sum();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("source", source.toString());
        summary.put("weights_read", checkpoint.weights().getFileName().toString());
        summary.put("tensors", checkpoint.tensors().size());
        summary.put("parameters", parameters);
        summary.put("dtype", dtype.name());
        summary.put("tokenizer", ownTokenizer ? "copied from source" : HfModelDir.bundledTokenizerFits(checkpoint.config())
                ? "bundled opt-125m" : "none (the bundled opt-125m one has more ids than vocab_size)");
        summary.put("out", out.toAbsolutePath().normalize().toString());
        stdout.print(summary, w -> w.printf("exported %d tensors (%,d parameters, %s) from %s/%s to %s (tokenizer %s)%n",
                checkpoint.tensors().size(), parameters, dtype, source, summary.get("weights_read"), summary.get("out"),
                summary.get("tokenizer")));
        return 0;
    }
}
