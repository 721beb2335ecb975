package io.collapse.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.collapse.config.LmConfig;
import io.collapse.config.StrictJson;
import io.collapse.model.hf.CheckpointException;
import io.collapse.model.hf.TokenizerFiles;
import io.collapse.model.hf.TokenizerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Picks a directory's tokenizer from its files, as HF's AutoTokenizer picks a class: OPT's
 * (vocab.json + merges.txt, or a tokenizer.json with no other family named) is {@link OptTokenizer},
 * the paper's HF 4.35 slow tokenizer; any other tokenizer.json is {@link HfTokenizer} (transformers
 * 5.17). config.json's {@code model_type}, when the directory has one, decides where it matters.
 */
public final class AutoTokenizer {

    /** The file config.json, whose model_type names the family. */
    private static final String CONFIG_JSON = "config.json";

    private AutoTokenizer() {}

    /**
     * The tokenizer of {@code dir}: {@link OptTokenizer} for the vocab.json + merges.txt layout, for
     * model_type "opt", and for a tokenizer.json that neither config.json nor tokenizer_config.json
     * attributes to a family; otherwise {@link HfTokenizer}.
     *
     * @throws CheckpointException naming the file and the problem when the files cannot be used
     */
    public static Tokenizer fromDir(Path dir) throws IOException {
        TokenizerFiles files = TokenizerFiles.read(dir);
        files.modelFiles();
        String modelType = modelType(dir);
        if (!files.isTokenizerJson() || "opt".equals(modelType) || (modelType == null && optClass(files))) {
            return OptTokenizer.fromFiles(files);
        }
        return HfTokenizer.fromFiles(files, modelType);
    }

    /**
     * Without config.json, a tokenizer_config.json naming no class or GPT2Tokenizer (what OPT's says)
     * is OPT's, as long as OPT's special tokens (the config's over
     * facebook/opt-125m's {@code </s>}/{@code <pad>}) are all in tokenizer.json. A GPT-2-family file
     * saved on its own (tokenizer.save_pretrained writes no config.json) lacks them: 5.17 loads it
     * as GPT2Tokenizer, and OptTokenizer could only refuse it.
     */
    private static boolean optClass(TokenizerFiles files) throws IOException {
        if (!files.has(TokenizerFiles.TOKENIZER_CONFIG_JSON)) {
            return true;
        }
        String name = HfTokenizerConfig.read(files).tokenizerClass();
        if (name != null && !name.equals("GPT2Tokenizer") && !name.equals("GPT2TokenizerFast")) {
            return false;
        }
        Set<String> vocab = files.tokenizerJsonVocab(files.tokenizerJson()).keySet();
        return vocab.containsAll(files.settings(TokenizerSettings.OPT).specialTokens());
    }

    /**
     * {@link #fromDir} checked against the model it is for: every id the tokenizer can produce must
     * be a row of the model's embedding.
     *
     * @param configFile the model's config.json, named in the error with the tokenizer's file
     * @throws CheckpointException when the tokenizer has more tokens than the model's vocab_size, or a special id outside it
     */
    public static Tokenizer forModel(Path dir, LmConfig config, Path configFile) throws IOException {
        Tokenizer tokenizer = fromDir(dir);
        Path file = dir.resolve(Files.isRegularFile(dir.resolve(TokenizerFiles.TOKENIZER_JSON))
                ? TokenizerFiles.TOKENIZER_JSON : TokenizerFiles.VOCAB_JSON);
        requireFits(tokenizer, file.toString(), config, configFile);
        return tokenizer;
    }

    /**
     * Refuses a tokenizer whose ids do not all index the model's embedding, naming both files. Token
     * ids are dense (0..n-1, checked when the vocabulary is read), so n within vocab_size puts the
     * bos/eos/pad/unk ids within it too; the message names them.
     */
    public static void requireFits(Tokenizer tokenizer, String tokenizerFile, LmConfig config, Path configFile)
            throws CheckpointException {
        int rows = config.vocabSize();
        if (tokenizer.vocabSize() > rows) {
            throw new CheckpointException(Path.of(tokenizerFile), "has " + tokenizer.vocabSize() + " tokens (bos "
                    + tokenizer.bosId() + ", eos " + tokenizer.eosId() + ", pad " + tokenizer.padId() + ", unk "
                    + tokenizer.unkId() + ") but " + configFile + " says vocab_size " + rows
                    + "; ids past it have no embedding row, so the tokenizer does not belong to this model");
        }
    }

    /** config.json's model_type ("opt" when it has none, as LmConfig reads it); null without a config.json. */
    private static String modelType(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG_JSON);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return LmConfig.modelType(StrictJson.MAPPER.readTree(file.toFile()));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file, StrictJson.describe(e));
        }
    }
}
