package io.collapse.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.data.DataSource;
import io.collapse.data.TokenBlocks;
import io.collapse.eval.Evaluator;
import io.collapse.eval.PplFile;
import io.collapse.io.AtomicFiles;
import io.collapse.io.ConsoleBars;
import io.collapse.io.RegularFiles;
import io.collapse.model.MemoryBudget;
import io.collapse.model.Sdpa;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Loss and both perplexity definitions of a model on a dataset split, as the paper evaluates. */
@Command(
        name = "eval",
        description = {
            "Evaluate a model on a dataset split cut into blocks as `collapse data` cuts them, with the model"
                    + " directory's tokenizer (else the bundled OPT-125m one).",
            "Prints the mean next-token loss, corpus_ppl (its exp), mean_batch_ppl (the mean of each batch's"
                    + " perplexity, which the paper's released code logs and --batch-size changes) and"
                    + " mean_sequence_ppl (the mean of each block's perplexity)."
        })
final class EvalCommand implements Callable<Integer> {

    @Mixin ModelOptions modelOptions;

    @Option(names = "--dataset", defaultValue = "wikitext-2-v1",
            description = "Bundled dataset: wikitext-2-v1 or wikitext-2-raw-v1 (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--split", defaultValue = "test", description = "train, valid or test (default: ${DEFAULT-VALUE}).")
    String split;

    @Mixin BlockSizeOption block;

    @Mixin ForwardBatchOption batch;

    @Option(names = "--max-blocks", defaultValue = "0", paramLabel = "N",
            description = "Evaluate only the split's first N blocks; 0 = all (default).")
    int maxBlocks;

    @Option(names = "--per-sequence", paramLabel = "FILE",
            description = "Write every block's perplexity, in block order, to FILE, a new file: a JSON array if FILE"
                    + " ends in .json (any case), else raw float32 little-endian.")
    Path perSequence;

    @Mixin CacheDirOption cache;

    @Mixin ProgressOption progress;

    @Mixin JsonStdout stdout;

    @Override
    public Integer call() throws Exception {
        int batchSize = batch.size();
        if (perSequence != null) {
            RegularFiles.requireNew(perSequence, "--per-sequence"); // before the work, not after it
        }
        long start = System.nanoTime();
        ObjectNode doc = CliSupport.JSON.createObjectNode();
        Evaluator.Result r;
        try (ModelOptions.Loaded loaded = modelOptions.load()) {
            int blockSize = block.tokens(loaded.config());
            TokenBlocks blocks = DataSource.bundled(dataset)
                    .load(cache.dataPaths(), List.of(split), loaded.tokenizer(), blockSize).get(0).blocks();
            TokenBlocks scored = blocks.first(maxBlocks, "--max-blocks");
            // Before the first batch, at the most blocks a batch will hold.
            MemoryBudget.require("eval: --batch-size " + batchSize + " of " + blockSize + "-token blocks",
                    MemoryBudget.eval(loaded.config(), Math.min(batchSize, scored.numBlocks()), blockSize,
                            modelOptions.dataType().getNumOfBytes()), loaded.manager().getDevice(), "--batch-size or --block-size");
            try (ProgressBar bar = progress.shown() ? ConsoleBars.builder("eval", scored.numBlocks(), " blocks", 1).build() : null) {
                r = Evaluator.evaluate(loaded.model(), scored, batchSize, done -> {
                    if (bar != null) {
                        bar.stepTo(done);
                    }
                });
            }
            doc.put("model", loaded.dir().toString());
            doc.put("attention", Sdpa.form()); // eager or sdpa: their last bits differ
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (perSequence != null) {
            writePerSequence(perSequence, r.perSequencePpl());
        }

        doc.put("dataset", dataset);
        doc.put("split", split);
        doc.put("block_size", r.blockSize());
        doc.put("batch_size", r.batchSize());
        doc.put("blocks", r.blocks());
        doc.put("tokens", (long) r.blocks() * r.blockSize());
        doc.put("targets", r.targets());
        doc.put("loss", r.loss());
        doc.put("corpus_ppl", r.corpusPpl());
        doc.put("mean_batch_ppl", r.meanBatchPpl());
        doc.put("mean_sequence_ppl", r.meanSequencePpl());
        if (perSequence != null) {
            doc.put("per_sequence_file", perSequence.toString());
        }
        doc.put("seconds", Math.round(seconds * 1000) / 1000.0);

        stdout.print(doc, out -> {
            out.printf("%s %s: %d blocks of %d tokens (%d scored), batch %d%n", dataset, split, r.blocks(), r.blockSize(),
                    r.targets(), r.batchSize());
            out.printf("loss %.6f%n", r.loss());
            out.printf("corpus_ppl     %.4f  exp(mean token loss)%n", r.corpusPpl());
            out.printf("mean_batch_ppl %.4f  mean over batches of exp(batch loss), as the released code logs%n",
                    r.meanBatchPpl());
            out.printf("mean_sequence_ppl %.4f  mean over blocks of exp(block loss)%n", r.meanSequencePpl());
            if (perSequence != null) {
                out.printf("per-block perplexities in %s%n", perSequence);
            }
            out.printf("%.1f s%n", seconds);
        });
        return 0;
    }

    private static void writePerSequence(Path file, double[] ppl) throws java.io.IOException {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            AtomicFiles.writeString(file, CliSupport.JSON.writeValueAsString(ppl) + "\n");
        } else {
            PplFile.write(file, ppl);
        }
    }
}
