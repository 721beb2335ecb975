package io.collapse.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.collapse.config.BeamLengthRule;
import io.collapse.config.GenerationConfig;
import io.collapse.model.Scope;
import io.collapse.model.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * transformers 4.35's {@code beam_search} with {@code BeamSearchScorer}, step for step.
 *
 * <p>Per step, batched over every open prompt × beam (A prompts, N beams, V vocabulary): log-softmax
 * of the next-token logits, the processors on those log-probs, plus each beam's running score, then
 * the top K = max(2, 1 + E)·N of the N·V candidates of each prompt (E eos ids: enough for N that end
 * in none). The host walks them in rank order: an EOS ranked below N becomes a finished hypothesis
 * (an EOS ranked lower is dropped), the first N others become the next beams; the KV cache follows
 * the chosen beams. A prompt whose hypotheses can no longer improve is done and leaves the batch:
 * under {@code hf-4.35} and {@code hf-4.36} judged from the step's best candidate
 * ({@code BeamSearchScorer}'s {@code is_done(next_scores.max())}), under {@code hf-5} from the best
 * beam still running, as 5.x's vectorized beam search does ({@code _check_early_stop_heuristic} on
 * {@code running_beam_scores[:, :1]}); the two differ when the step's best candidate is an EOS. At
 * the end, open beams of unfinished prompts are offered as hypotheses, and each prompt returns its
 * best n, each followed by its EOS: 4.x wrote the first eos id, 5.x keeps the one it ended with.
 */
final class BeamSearch {

    private BeamSearch() {}

    /** @param state the prompts expanded to N consecutive rows each */
    static GenerateResult run(DecodeState state, List<LogitsProcessor> processors,
            GenerationConfig cfg, int padId, List<Integer> eosIds) {
        int beams = cfg.numBeams();
        int candidates = Math.max(2, 1 + eosIds.size()) * beams;
        int prompts = state.rows() / beams;
        int promptLength = state.length();
        int maxLength = promptLength + cfg.maxNewTokens();
        BeamLengthRule rule = cfg.beamLengthRule();
        BeamHypotheses[] hyps = new BeamHypotheses[prompts];
        for (int b = 0; b < prompts; b++) {
            hyps[b] = new BeamHypotheses(beams, cfg.lengthPenalty(), cfg.earlyStopping(), maxLength, promptLength,
                    rule);
        }
        // HF: only beam 0 of a prompt may be continued at the first step.
        float[] beamScores = new float[prompts * beams];
        for (int i = 0; i < beamScores.length; i++) {
            beamScores[i] = i % beams == 0 ? 0f : -1e9f;
        }
        int[] open = new int[prompts]; // for each prompt in the state, its index in the call
        for (int b = 0; b < prompts; b++) {
            open[b] = b;
        }
        int steps = 0;
        while (true) {
            int rowLength = state.length();
            Candidates top = topCandidates(state, processors, beamScores, open.length, beams, candidates);
            Choice next = choose(top, hyps, open, state.ids(), rowLength, beams, eosIds, rule);
            steps++;
            open = next.stillOpen();
            if (open.length == 0) {
                break;
            }
            // One reorder of the cache: the chosen beams of the prompts still open.
            int kept = open.length * beams;
            state.select(Arrays.copyOf(next.rows(), kept));
            state.append(Arrays.copyOf(next.tokens(), kept));
            beamScores = Arrays.copyOf(next.scores(), kept);
            if (state.length() >= maxLength) {
                break;
            }
        }
        return finish(state, hyps, open, beamScores, cfg, promptLength, maxLength, steps, padId, eosIds);
    }

    /** The step's K best (score, beam·V + token) of each open prompt, scores (A, K) and indices flat. */
    private record Candidates(float[] scores, long[] indices, long vocab, int perPrompt) {}

    /** The beams chosen for the next step (N per prompt still open, in order) and the prompts still open. */
    private record Choice(float[] scores, int[] tokens, int[] rows, int[] stillOpen) {}

    private static Candidates topCandidates(DecodeState state, List<LogitsProcessor> processors, float[] beamScores,
            int openCount, int beams, int k) {
        try (Scope step = state.step()) {
            NDArray logProbs = state.nextLogits(step).logSoftmax(1); // (A·N, V)
            NDArray scores = LogitsProcessor.applyAll(processors, logProbs, state.ids());
            long vocab = scores.getShape().get(1);
            NDArray running = Tensors.of(step.manager(), beamScores, new Shape(beamScores.length, 1)); // (A·N, 1)
            NDArray candidates = scores.add(running).reshape(openCount, beams * vocab); // (A, N·V)
            NDList top = candidates.topK(k, 1, true, true);
            return new Candidates(top.get(0).toFloatArray(), top.get(1).toType(DataType.INT64, false).toLongArray(),
                    vocab, k); // (A, K) each
        }
    }

    /** The scorer walks each prompt's candidates; prompts found done leave the batch right away. */
    private static Choice choose(Candidates top, BeamHypotheses[] hyps, int[] open, int[][] ids, int rowLength,
            int beams, List<Integer> eosIds, BeamLengthRule rule) {
        int openCount = open.length;
        float[] nextScores = new float[openCount * beams];
        int[] nextTokens = new int[openCount * beams];
        int[] nextRows = new int[openCount * beams];
        int[] stillOpen = new int[openCount];
        int kept = 0;
        for (int a = 0; a < openCount; a++) {
            BeamHypotheses h = hyps[open[a]];
            int base = kept * beams;
            int filled = 0;
            int k = top.perPrompt();
            for (int rank = 0; rank < k && filled < beams; rank++) {
                float score = top.scores()[a * k + rank];
                long flat = top.indices()[a * k + rank];
                int row = a * beams + (int) (flat / top.vocab());
                int token = (int) (flat % top.vocab());
                if (eosIds.contains(token)) {
                    if (rank < beams) {
                        h.addEnded(ids[row], token, score);
                    }
                } else {
                    nextScores[base + filled] = score;
                    nextTokens[base + filled] = token;
                    nextRows[base + filled] = row;
                    filled++;
                }
            }
            if (filled < beams) {
                throw new IllegalStateException("beam search: prompt " + open[a] + " has " + filled
                        + " non-EOS candidates among the top " + k + "; expected " + beams);
            }
            // Whether open beams can still beat the worst hypothesis: 4.35-4.48's BeamSearchScorer asks with
            // the best candidate of the step, an EOS that just finished included; 5.x's vectorized
            // search (#35802) with the best beam still running, i.e. the best non-EOS candidate.
            float bestForDone = rule.vectorized() ? nextScores[base] : top.scores()[a * k];
            if (!h.isDone(bestForDone, rowLength + 1)) {
                stillOpen[kept++] = open[a];
            }
        }
        return new Choice(nextScores, nextTokens, nextRows, Arrays.copyOf(stillOpen, kept));
    }

    /** HF's {@code finalize}: open beams of unfinished prompts become hypotheses; best n per prompt; EOS and pads. */
    private static GenerateResult finish(DecodeState state, BeamHypotheses[] hyps, int[] open, float[] beamScores,
            GenerationConfig cfg, int promptLength, int maxLength, int steps, int padId, List<Integer> eosIds) {
        int beams = cfg.numBeams();
        int[][] ids = state.ids();
        for (int a = 0; a < open.length; a++) {
            for (int j = 0; j < beams; j++) {
                hyps[open[a]].addOpen(ids[a * beams + j], beamScores[a * beams + j]);
            }
        }
        int keep = cfg.numReturnSequences();
        List<BeamHypotheses.Hypothesis> best = new ArrayList<>();
        for (BeamHypotheses h : hyps) {
            best.addAll(h.best(keep));
        }
        int longest = 0;
        for (BeamHypotheses.Hypothesis h : best) {
            longest = Math.max(longest, h.tokens().length);
        }
        int width = Math.min(longest + 1, maxLength);
        // 5.x fills with `pad_token_id or eos_token_id[0]` (a pad id of 0 is falsy in Python); 4.x with the pad id.
        boolean vectorized = cfg.beamLengthRule().vectorized();
        int fill = vectorized && padId == 0 && !eosIds.isEmpty() ? eosIds.get(0) : padId;
        int[][] sequences = new int[best.size()][];
        float[] scores = new float[best.size()];
        for (int i = 0; i < best.size(); i++) {
            int[] hyp = best.get(i).tokens();
            int[] row = new int[width];
            Arrays.fill(row, fill);
            System.arraycopy(hyp, 0, row, 0, hyp.length);
            if (hyp.length < width) {
                row[hyp.length] = vectorized ? best.get(i).eos() : eosIds.get(0);
            }
            sequences[i] = row;
            scores[i] = (float) best.get(i).score();
        }
        return new GenerateResult(sequences, promptLength, scores, null, steps);
    }
}
