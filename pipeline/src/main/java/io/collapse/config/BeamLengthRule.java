package io.collapse.config;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Which transformers version's beam search ({@code generation.beam_length_rule}): the length a
 * hypothesis's log-prob sum is divided by, the score that judges a prompt done, and (where several
 * eos ids or a pad id of 0 make them differ) the eos that follows a finished hypothesis and the id
 * that fills after it; see {@link #vectorized}. With min = max new tokens every rule picks the same
 * winners.
 */
public enum BeamLengthRule {
    /**
     * 4.35, the paper's era: the whole row (prompt, left pads, new tokens), not the final EOS; done
     * judged from the step's best candidate, which may be an EOS that just finished.
     */
    HF_4_35("hf-4.35"),
    /** 4.36 to 4.48 (#27351): new tokens only, an ending EOS included; done judged as 4.35. */
    HF_4_36("hf-4.36"),
    /**
     * 5.x's vectorized beam search (#35802): new tokens as 4.36; done judged from the best beam still
     * running ({@code _check_early_stop_heuristic} on {@code running_beam_scores[:, :1]}).
     */
    HF_5("hf-5");

    private final String name;

    BeamLengthRule(String name) {
        this.name = name;
    }

    /** Whether the length counts new tokens only (4.36 on) rather than the whole row. */
    public boolean newTokensOnly() {
        return this != HF_4_35;
    }

    /**
     * Whether this is 5.x's vectorized beam search (#35802), which differs from 4.35–4.48's
     * {@code BeamSearchScorer} beyond the length: a prompt is judged done from its best running beam
     * rather than the step's best candidate; a finished hypothesis is followed by the eos it ended
     * with rather than the first eos id; and rows are filled with {@code pad_token_id or
     * eos_token_id[0]} (a pad id of 0 is falsy in Python) rather than the pad id. The last two
     * differ only with several eos ids or a pad id of 0.
     */
    public boolean vectorized() {
        return this == HF_5;
    }

    @JsonValue
    @Override
    public String toString() {
        return name;
    }
}
