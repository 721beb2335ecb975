package io.collapse.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.eval.PplFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A finished score unit is trusted only while its perplexity files hold the right number of perplexities. */
class RunCheckTest {

    @TempDir Path runDir;

    private String verifyScore() throws IOException {
        StringWriter log = new StringWriter();
        RunState state = RunState.fresh().complete(RunState.unit(0, RunState.Phase.SCORE), 1);
        RunState after = RunCheck.verify(runDir, state, 1, new PrintWriter(log, true));
        assertEquals(log.toString().isEmpty(), after.isDone(0, RunState.Phase.SCORE), log.toString());
        return log.toString().strip();
    }

    @Test
    void damagedOrMiscountedPerplexityFilesRedoTheScore() throws IOException {
        Path gen = Files.createDirectories(RunFiles.gen(runDir, 0));
        GenerationRecord.update(gen, ev -> ev.withTrain(new GenerationRecord.Train(1, 1, 2.0, 5, 5, "sha"))
                .withCorpus(new GenerationRecord.CorpusScore(3, "sha", 9.0, 9.0)));
        Path corpus = gen.resolve(RunFiles.CORPUS_PPL);
        Path real = gen.resolve(RunFiles.REAL_PPL);
        PplFile.write(corpus, new double[] {9, 9, 9});
        PplFile.write(real, new double[] {3, 3, 3, 3, 3});
        assertEquals("", verifyScore());

        Files.write(real, new byte[10]);
        assertTrue(verifyScore().startsWith("warning: gen-00/score: " + real + ": 10 bytes is not a whole number"), verifyScore());
        PplFile.write(real, new double[] {3, 3, 3, 3});
        assertEquals("warning: gen-00/score: real-ppl.f32 holds 4 perplexities, expected 5; redoing it", verifyScore());
        PplFile.write(real, new double[] {3, 3, 3, 3, 3});
        PplFile.write(corpus, new double[] {9, Double.NaN, 9});
        assertTrue(verifyScore().contains(corpus + ": value 1 is NaN"), verifyScore());
    }

    /**
     * A redone training that came out otherwise unfinishes what was made from it, and drops the
     * half-done training of a later generation, which trained on the old data; the same output keeps both.
     */
    @Test
    void aChangedRedoUnfinishesLaterUnitsAndTheirHalfDoneTraining() throws IOException {
        Path gen0 = Files.createDirectories(RunFiles.gen(runDir, 0));
        Path halfDone = Files.createDirectories(RunFiles.gen(runDir, 1).resolve(RunFiles.TRAIN).resolve("state"));
        GenerationRecord.update(gen0, ev -> ev.withTrain(new GenerationRecord.Train(1, 1, 2.0, 5, 5, "a")));
        RunState state = RunState.fresh().complete(RunState.unit(0, RunState.Phase.TRAIN), 2)
                .complete(RunState.unit(0, RunState.Phase.EVAL), 2);
        List<String> later = List.of(RunState.unit(0, RunState.Phase.EVAL));
        StringWriter log = new StringWriter();

        RunState same = RunCheck.redoIfChanged(gen0, 0, RunState.Phase.TRAIN, "gen-00/model@a", later, state, 2, new PrintWriter(log, true));
        assertEquals(state.completed(), same.completed());
        assertTrue(Files.exists(halfDone));

        RunState other = RunCheck.redoIfChanged(gen0, 0, RunState.Phase.TRAIN, "gen-00/model@b", later, state, 2, new PrintWriter(log, true));
        assertEquals(List.of(RunState.unit(0, RunState.Phase.TRAIN)), other.completed());
        assertFalse(Files.exists(halfDone.getParent()));
        assertEquals("warning: gen-00/train came out as gen-00/model@a, not as gen-00/model@b that later units were made from;"
                + " redoing gen-00/eval", log.toString().strip());
    }
}
