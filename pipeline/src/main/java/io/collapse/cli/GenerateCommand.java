package io.collapse.cli;

import io.collapse.config.GenerationConfig;
import io.collapse.generate.GenerateResult;
import io.collapse.generate.Generator;
import io.collapse.model.MemoryBudget;
import io.collapse.model.Sdpa;
import io.collapse.model.hf.HfModelDir;
import io.collapse.text.PaddedBatch;
import io.collapse.text.TokenIdsFile;
import io.collapse.text.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Continues prompts with a model: HF 4.35 greedy, beam search or sampling. */
@Command(name = "generate", description = "Continue prompts with a model (greedy, beam search or sampling, as HF transformers 4.35).")
final class GenerateCommand implements Callable<Integer> {

    @Mixin ModelOptions modelOptions;

    static final class Prompts {
        @Option(names = "--prompt", paramLabel = "TEXT",
                description = "A prompt (repeatable; tokenized with </s> first, left-padded together).")
        List<String> texts;

        @Option(names = "--prompt-ids", paramLabel = "FILE.json",
                description = "Token ids: one JSON array, or an array of arrays (rows of different lengths are left-padded).")
        Path idsFile;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompts prompts;

    @Mixin GenerationOptions generation;

    @Option(names = "--json", description = "Print one JSON object with ids, texts and scores.")
    boolean json;

    @Mixin Stdout stdout;

    @Override
    public Integer call() throws Exception {
        GenerationConfig cfg = generation.config();
        try (ModelOptions.Loaded loaded = modelOptions.load()) {
            Tokenizer tokenizer = loaded.tokenizer();
            List<int[]> rows = prompts.texts != null
                    ? prompts.texts.stream().map(tokenizer::encode).toList()
                    : TokenIdsFile.read(prompts.idsFile);
            PaddedBatch batch = PaddedBatch.leftPad(rows, tokenizer.batchPadId());
            Generator generator = new Generator(loaded.model(), cfg, HfModelDir.specialTokens(loaded.dir(), loaded.config()));
            generator.checkPositions(batch.inputIds()[0].length); // before memory, which a length past them would blame
            requireMemory(loaded, cfg, rows.size(), batch.inputIds()[0].length);
            long start = System.nanoTime();
            GenerateResult result = generator.generate(batch.inputIds(), batch.attentionMask(), 0, loaded.manager());
            double seconds = (System.nanoTime() - start) / 1e9;
            print(loaded, tokenizer, rows, batch, generator, result, seconds);
        }
        return 0;
    }

    /** Refuses decoding that cannot fit, before the first step (100000 beams got the JVM killed, with no message). */
    private void requireMemory(ModelOptions.Loaded loaded, GenerationConfig cfg, int prompts, int promptLength) {
        long rows = (long) prompts * cfg.rowsPerPrompt();
        String flag = switch (cfg.strategy()) {
            case BEAM -> "--num-beams";
            case SAMPLE -> "--num-return-sequences";
            case GREEDY -> null;
        };
        String setting = flag == null ? "greedy decoding" : flag + " " + cfg.rowsPerPrompt();
        MemoryBudget.require("generate: " + setting + " with " + prompts + (prompts == 1 ? " prompt" : " prompts"),
                MemoryBudget.decode(loaded.config(), rows, (long) promptLength + cfg.maxNewTokens(),
                        modelOptions.dataType().getNumOfBytes()),
                loaded.manager().getDevice(), (flag == null ? "" : flag + ", ") + "the number of prompts or --max-new-tokens");
    }

    /** The continuations, without their EOS and pads, as text (and one JSON object with {@code --json}). */
    private void print(ModelOptions.Loaded loaded, Tokenizer tokenizer, List<int[]> rows, PaddedBatch batch,
            Generator generator, GenerateResult result, double seconds) throws IOException {
        int perPrompt = result.sequences().length / rows.size();
        List<Integer> eos = generator.eosIds();
        int pad = generator.padId();
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < result.sequences().length; i++) {
            int[] fresh = result.continuation(i, eos, pad);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("prompt", i / perPrompt);
            row.put("new_tokens", fresh);
            row.put("text", tokenizer.decodeShowingSpareIds(fresh, false));
            if (result.sequencesScores() != null) {
                row.put("score", result.sequencesScores()[i]);
            }
            out.add(row);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", loaded.dir().toString());
        doc.put("attention", Sdpa.form()); // eager or sdpa: their last bits differ, and so may a beam
        doc.put("generation", generator.config());
        doc.put("prompt_ids", batch.inputIds());
        doc.put("steps", result.steps());
        doc.put("seconds", seconds);
        doc.put("sequences", out);
        stdout.print(json, doc, w -> {
            for (int i = 0; i < out.size(); i++) {
                Map<String, Object> row = out.get(i);
                int p = (Integer) row.get("prompt");
                String prompt = prompts.texts != null ? prompts.texts.get(p) : tokenizer.decodeShowingSpareIds(rows.get(p), false);
                w.printf("--- prompt %d, sequence %d%s%nprompt: %s%noutput: %s%n", p, i % perPrompt,
                        row.containsKey("score") ? String.format(" (score %.4f)", (Float) row.get("score")) : "",
                        prompt, row.get("text"));
            }
            w.printf("%d steps in %.2f s%n", result.steps(), seconds);
        });
    }
}
