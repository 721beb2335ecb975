package io.collapse.cli;

import java.util.SplittableRandom;
import picocli.CommandLine.Command;

/** Speed measurements, one subcommand per workload; each prints one JSON line per measurement. */
@Command(name = "bench", description = "Measure speed; one JSON line per measurement.",
        subcommands = {BenchGenerateCommand.class, BenchEvalCommand.class, BenchTrainCommand.class})
final class BenchCommand extends GroupCommand {

    /** {@code count} seeded random ids, as a wikitext block holds them: ≥ 4 (no pad or EOS), below OPT's tokenizer vocabulary. */
    static int[] randomTokenIds(long seed, int count, int vocab) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = 4 + random.nextInt(Math.min(vocab, 50265) - 4);
        }
        return ids;
    }

    /** {@code x} rounded to {@code digits} decimals, for the JSON lines. */
    static double round(double x, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(x * scale) / scale;
    }
}
