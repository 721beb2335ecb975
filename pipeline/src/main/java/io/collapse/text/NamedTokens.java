package io.collapse.text;

import java.util.Arrays;
import java.util.List;

/**
 * A tokenizer's four named special tokens, as HF's {@code bos_token}, {@code eos_token},
 * {@code unk_token} and {@code pad_token}; null: none.
 */
record NamedTokens(String bos, String eos, String unk, String pad) {

    /** bos, eos, unk, pad in that order, nulls kept. */
    List<String> all() {
        return Arrays.asList(bos, eos, unk, pad);
    }
}
