package io.collapse.text;

/** Turns one example's text into token ids; the data pipeline depends on nothing more. */
public interface TextEncoder {

    /** Ids of one example, with the model's leading {@code </s>} where the tokenizer adds one. */
    int[] encode(String text);

    /** A stable identity of the vocabulary and rules (e.g. sha256 of the tokenizer files), for cache keys. */
    String fingerprint();
}
