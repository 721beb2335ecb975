package io.collapse.text;

import java.util.Arrays;
import java.util.List;

/**
 * A model's tokenizer as the pipeline uses it, whatever the family: {@link OptTokenizer} (HF 4.35's
 * slow GPT2Tokenizer, the paper's) or {@link HfTokenizer} (any tokenizer.json, as transformers 5.17's
 * AutoTokenizer runs it). {@link AutoTokenizer#fromDir} picks one from a directory's files.
 * Token ids are those of HF's {@code len(tokenizer)}, which may be fewer than the model's embedding rows.
 */
public interface Tokenizer extends TextEncoder {

    /** Ids of one text with the special tokens the tokenizer adds (HF's {@code add_special_tokens=True}). */
    @Override
    int[] encode(String text);

    /** Ids of one text without added special tokens (HF's {@code add_special_tokens=False}). */
    int[] encodeWithoutSpecial(String text);

    /** The token strings of {@link #encodeWithoutSpecial} (HF's {@code convert_ids_to_tokens}). */
    List<String> tokens(String text);

    /** HF's {@code decode(ids)}: special tokens kept, the tokenizer's own clean-up default. */
    default String decode(int[] ids) {
        return decode(ids, false);
    }

    /**
     * HF's {@code decode(ids, skip_special_tokens=skipSpecialTokens)}.
     *
     * @throws IllegalArgumentException naming the first id outside 0..{@link #vocabSize()}-1
     */
    String decode(int[] ids, boolean skipSpecialTokens);

    /**
     * Readable text of a model's output: {@link #decode(int[], boolean)}, except that ids past
     * {@link #vocabSize()} (the model's spare embedding rows, OPT's 50265–50271, which a weak model
     * does emit) show as {@code <id N>} instead of being refused.
     */
    default String decodeShowingSpareIds(int[] ids, boolean skipSpecialTokens) {
        StringBuilder out = new StringBuilder();
        int start = 0;
        for (int i = 0; i <= ids.length; i++) {
            if (i == ids.length || ids[i] >= vocabSize()) {
                out.append(decode(Arrays.copyOfRange(ids, start, i), skipSpecialTokens));
                if (i < ids.length) {
                    out.append("<id ").append(ids[i]).append('>');
                }
                start = i + 1;
            }
        }
        return out.toString();
    }

    /** The token string of one id (HF's {@code convert_ids_to_tokens}). */
    String token(int id);

    /** HF's {@code len(tokenizer)}: the model vocabulary plus the added tokens. */
    int vocabSize();

    /** The bos id, or -1 when the tokenizer has no bos token (Qwen2). */
    int bosId();

    /** The eos id, or -1 when the tokenizer has none. */
    int eosId();

    /** The pad id, or -1 when the tokenizer has none (GPT-2, SmolLM2, TinyLlama under transformers 5.17). */
    int padId();

    /** The unk id, or -1 when the tokenizer has none. */
    int unkId();

    /** HF's {@code padding_side}: "left" or "right"; generation pads on the left whatever it says. */
    String paddingSide();

    /**
     * The id that fills left-padded prompt rows: the pad id, else the eos id, as HF's generate does
     * when the generation config has no pad (pad = eos); the attention mask hides those positions.
     *
     * @throws IllegalStateException when the tokenizer has neither
     */
    default int batchPadId() {
        if (padId() >= 0) {
            return padId();
        }
        if (eosId() >= 0) {
            return eosId();
        }
        throw new IllegalStateException("the tokenizer has neither a pad nor an eos token to pad prompts with");
    }
}
