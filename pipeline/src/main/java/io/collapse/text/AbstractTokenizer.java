package io.collapse.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.collapse.model.hf.CheckpointException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@link OptTokenizer} and {@link HfTokenizer} share, as {@code java.util.AbstractList} serves
 * lists: the id → token table, the special ids, the fingerprint, and DJL's HuggingFace tokenizers
 * for a tokenizer.json. A subclass builds its vocabulary, then hands it up.
 */
abstract class AbstractTokenizer implements Tokenizer {

    /** id → token string, as the vocabulary spells it (byte-level BPE: "Ġworld"). */
    final String[] tokenById;
    private final int bosId;
    private final int eosId;
    private final int unkId;
    private final int padId;
    private final String fingerprint;

    /**
     * @param vocab        token → id, ids 0..n-1 each once ({@code TokenizerFiles} checks)
     * @param bos          the bos token, or null for none (-1); likewise eos, unk, pad. A named token
     *                     must be in {@code vocab}: the subclass checks, naming the file
     * @param fingerprint  what {@link #fingerprint()} returns
     */
    AbstractTokenizer(Map<String, Integer> vocab, String bos, String eos, String unk, String pad, String fingerprint) {
        tokenById = new String[vocab.size()];
        vocab.forEach((token, id) -> tokenById[id] = token);
        bosId = idOf(vocab, bos);
        eosId = idOf(vocab, eos);
        unkId = idOf(vocab, unk);
        padId = idOf(vocab, pad);
        this.fingerprint = fingerprint;
    }

    private static int idOf(Map<String, Integer> vocab, String token) {
        return token == null ? -1 : vocab.get(token);
    }

    /** The token strings of {@link #encodeWithoutSpecial} (byte-level BPE: "Ġworld"). */
    @Override
    public List<String> tokens(String text) {
        int[] ids = encodeWithoutSpecial(text);
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(tokenById[id]);
        }
        return out;
    }

    /** The token string of one id (HF's {@code convert_ids_to_tokens}), e.g. "Ġworld". */
    @Override
    public String token(int id) {
        requireId(id);
        return tokenById[id];
    }

    /** Number of tokens with an id (HF's {@code len(tokenizer)}: 50265 for OPT, below the model's 50272). */
    @Override
    public int vocabSize() {
        return tokenById.length;
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    @Override
    public int padId() {
        return padId;
    }

    @Override
    public int unkId() {
        return unkId;
    }

    /** sha256 (hex) over what decides the ids and the text: each subclass says what it hashes. */
    @Override
    public String fingerprint() {
        return fingerprint;
    }

    /** @throws IllegalArgumentException naming an id outside the vocabulary, as decoding meets it */
    final void requireId(int id) {
        if (id < 0 || id >= tokenById.length) {
            throw new IllegalArgumentException("token id " + id + " is not in the tokenizer's vocabulary (ids 0.."
                    + (tokenById.length - 1) + "); the model's embedding may have more rows than the vocabulary");
        }
    }

    /** DJL's HuggingFace tokenizers on {@code json}, read from {@code file}; truncation and padding off (DJL truncates at 512 by default). */
    static HuggingFaceTokenizer djlTokenizer(Path file, byte[] json) throws IOException {
        try {
            return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json),
                    Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false"));
        } catch (RuntimeException e) {
            throw new CheckpointException(file, "HuggingFace tokenizers cannot load it: " + e.getMessage());
        }
    }

    /** DJL's ids as ints. */
    static int[] ints(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }
}
