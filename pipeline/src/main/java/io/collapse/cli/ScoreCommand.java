package io.collapse.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.eval.Evaluator;
import io.collapse.eval.SequenceNll;
import io.collapse.model.MemoryBudget;
import io.collapse.model.Sdpa;
import io.collapse.text.TokenIdsFile;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Per-sequence and corpus NLL and perplexity of token-id sequences under a model. */
@Command(
        name = "score",
        description = {
            "Score token-id sequences: each one's mean next-token NLL and perplexity, then for all of them the"
                    + " mean token NLL, corpus_ppl (its exp) and mean_sequence_ppl (the mean per-sequence perplexity).",
            "A sequence's first token is not scored, as nothing predicts it; sequences of different lengths are"
                    + " left-padded under an attention mask, which scores each as if alone."
        })
final class ScoreCommand implements Callable<Integer> {

    @Mixin ModelOptions modelOptions;

    @Option(names = "--tokens", required = true, paramLabel = "FILE.json",
            description = "A JSON array of token-id arrays, e.g. [[2, 133, 5], [2, 9]], or one array of ids (one sequence);"
                    + " each needs at least 2 ids.")
    Path tokens;

    @Mixin ForwardBatchOption batch;

    @Mixin JsonStdout stdout;

    @Override
    public Integer call() throws Exception {
        List<int[]> sequences = TokenIdsFile.read(tokens);
        int batchSize = batch.size(); // both checked before the model loads
        ObjectNode doc = CliSupport.JSON.createObjectNode();
        SequenceNll nll;
        try (ModelOptions.Loaded loaded = modelOptions.load()) {
            try {
                Evaluator.checkSequences(sequences, loaded.config());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(tokens + ": " + e.getMessage(), e);
            }
            int rows = Math.min(batchSize, sequences.size()); // the most scored at once
            int longest = sequences.stream().mapToInt(seq -> seq.length).max().orElse(0);
            MemoryBudget.require("score: --batch-size " + batchSize + " (" + rows + " sequences at once, up to " + longest
                    + " tokens each)", MemoryBudget.eval(loaded.config(), rows, longest, modelOptions.dataType().getNumOfBytes()),
                    loaded.manager().getDevice(), "--batch-size");
            nll = Evaluator.score(loaded.model(), sequences, batchSize);
            doc.put("model", loaded.dir().toString());
            doc.put("attention", Sdpa.form()); // eager or sdpa: their last bits differ
        }
        double[] meanNll = nll.perSequenceMeanNll();
        double[] ppl = nll.perSequencePpl();
        doc.put("tokens_file", tokens.toString());
        ArrayNode rows = doc.putArray("sequences");
        for (int i = 0; i < meanNll.length; i++) {
            ObjectNode row = rows.addObject();
            row.put("index", i);
            row.put("tokens", sequences.get(i).length);
            row.put("mean_nll", meanNll[i]);
            row.put("ppl", ppl[i]);
        }
        doc.put("targets", nll.targets());
        doc.put("mean_nll", nll.meanNll());
        doc.put("corpus_ppl", nll.pplExpOfMeanLoss());
        doc.put("mean_sequence_ppl", nll.pplMeanOfPerSequenceExp());

        stdout.print(doc, out -> {
            out.printf("%8s %8s %12s %14s%n", "sequence", "tokens", "mean NLL", "perplexity");
            for (int i = 0; i < meanNll.length; i++) {
                out.printf("%8d %8d %12.6f %14.4f%n", i, sequences.get(i).length, meanNll[i], ppl[i]);
            }
            out.printf("%d sequences, %d scored tokens: mean token NLL %.6f, corpus_ppl = exp(mean NLL) %.4f,"
                    + " mean_sequence_ppl = mean of per-sequence ppl %.4f%n", meanNll.length, nll.targets(),
                    nll.meanNll(), nll.pplExpOfMeanLoss(), nll.pplMeanOfPerSequenceExp());
        });
        return 0;
    }
}
