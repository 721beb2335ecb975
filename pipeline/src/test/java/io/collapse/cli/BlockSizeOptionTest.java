package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every command that cuts blocks refuses a block of fewer than 2 tokens in the same words, as a config's data.block_size. */
class BlockSizeOptionTest {

    @TempDir Path tmp;

    @Test
    void aOneTokenBlockIsRefusedAlikeEverywhere() {
        Path model = Path.of("src/test/resources/hf-opt/case-b-postln-proj");
        List<List<String>> commands = List.of(
                List.of("data", "--dataset", "wikitext-2-v1", "--split", "valid"),
                List.of("bench", "eval", "--seconds", "1"),
                List.of("bench", "train", "--steps", "1"),
                List.of("eval", "--no-progress", "--model", model.toString()),
                List.of("train", "--no-progress", "--dataset", "wikitext-2-v1", "--model", model.toString(), "--out", tmp.resolve("t").toString()));
        for (List<String> command : commands) {
            List<String> args = new ArrayList<>(command);
            args.addAll(List.of("--block-size", "1"));
            Cli.Result run = Cli.run(args.toArray(String[]::new));
            assertEquals(1, run.code(), command + ": " + run.err());
            // With a model, or a benchmark's preset (tiny: 256 positions), the range is the model's.
            String expected = command.contains("--model")
                    ? "error: --block-size: expected 2..128 (the model's max_position_embeddings), got 1"
                    : command.get(0).equals("bench")
                    ? "error: --block-size: expected 2..256 (the model's max_position_embeddings), got 1"
                    : "error: --block-size: expected 2..1048576, got 1";
            assertEquals(expected, run.err().strip(), command.toString());
        }
        // Without a model to bound it, a typo's billion is refused too, not allocated (the heap ran out).
        Cli.Result huge = Cli.run("data", "--dataset", "wikitext-2-v1", "--split", "valid", "--block-size", "1000000000");
        assertEquals("error: --block-size: expected 2..1048576, got 1000000000", huge.err().strip());
    }
}
