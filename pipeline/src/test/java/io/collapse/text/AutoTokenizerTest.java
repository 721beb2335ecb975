package io.collapse.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.config.LmConfig;
import io.collapse.model.hf.CheckpointException;
import io.collapse.model.hf.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which implementation a directory gets, and the tokenizer-vs-model vocabulary check. */
class AutoTokenizerTest {

    @TempDir
    Path tmp;

    @Test
    void optFilesStayOptsTokenizer() throws Exception {
        TokenizerFiles.bundled().writeTo(tmp);
        Tokenizer tok = AutoTokenizer.fromDir(tmp);
        assertInstanceOf(OptTokenizer.class, tok);
        assertArrayEquals(OptTokenizer.embedded().encode("Hello world"), tok.encode("Hello world"));
        assertEquals(OptTokenizer.embedded().fingerprint(), tok.fingerprint());
        // Through the interface, decode keeps OPT's clean-up default (" ." → ".").
        int[] ids = tok.encode("Hello . world");
        assertEquals("Hello. world", tok.decode(ids, true));
        assertEquals(1, tok.batchPadId());
    }

    @Test
    void aFamilysTokenizerJsonIsHfs() throws Exception {
        for (String style : HfTokenizerParityTest.STYLES) {
            assertInstanceOf(HfTokenizer.class, AutoTokenizer.fromDir(HfTokenizerParityTest.dir(style)), style);
        }
    }

    @Test
    void modelTypeOptKeepsATokenizerJsonOnOptsRules() throws Exception {
        copyStyle("gpt2", tmp);
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"opt\"}");
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"bos_token\": \"<|endoftext|>\", \"eos_token\":"
                + " \"<|endoftext|>\", \"unk_token\": \"<|endoftext|>\", \"pad_token\": \"<|endoftext|>\"}");
        Tokenizer tok = AutoTokenizer.fromDir(tmp);
        assertInstanceOf(OptTokenizer.class, tok);
        assertEquals("Hello.", tok.decode(tok.encode("Hello .")), "OPT's (HF 4.35) clean-up, which 5.17 skips for BPE");
        assertEquals("Hello .", AutoTokenizer.fromDir(HfTokenizerParityTest.dir("gpt2")).decode(tok.encode("Hello .")));
    }

    @Test
    void aTokenizerLargerThanTheModelsVocabNamesBothFiles() throws Exception {
        copyStyle("gpt2", tmp);
        Path config = tmp.resolve("model-config.json");
        String opt = Files.readString(Path.of(getClass().getResource("/hf-opt/case-a-preln/config.json").toURI()));
        Files.writeString(config, opt.replaceAll("\"vocab_size\": \\d+", "\"vocab_size\": 400"));
        LmConfig small = LmConfig.read(config);
        CheckpointException e = assertThrows(CheckpointException.class, () -> AutoTokenizer.forModel(tmp, small, config));
        String m = e.getMessage();
        assertTrue(m.contains("tokenizer.json") && m.contains("model-config.json") && m.contains("401 tokens")
                && m.contains("eos 400") && m.contains("vocab_size 400") && !m.contains("\n"), m);

        Files.writeString(config, opt.replaceAll("\"vocab_size\": \\d+", "\"vocab_size\": 401"));
        assertEquals(401, AutoTokenizer.forModel(tmp, LmConfig.read(config), config).vocabSize());
    }

    @Test
    void anUnknownTokenizerClassIsNamed() throws Exception {
        copyStyle("smollm2", tmp);
        Path cfg = tmp.resolve("tokenizer_config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("GPT2Tokenizer", "BertTokenizer"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> AutoTokenizer.fromDir(tmp));
        assertTrue(e.getMessage().contains("tokenizer_config.json") && e.getMessage().contains("BertTokenizer"), e.getMessage());
    }

    @Test
    void aSpecialTokenTheFilesLackGetsTheNextIds() throws Exception {
        // transformers 5.17 on these files: len 403, pad 401, <x1> 402, [64, 401, 65, 402], "ab".
        copyStyle("gpt2", tmp);
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"pad_token\": \"<pad>\", \"additional_special_tokens\": [\"<x1>\"]}");
        Tokenizer tok = AutoTokenizer.fromDir(tmp);
        assertEquals(403, tok.vocabSize());
        assertEquals(401, tok.padId());
        assertArrayEquals(new int[] {64, 401, 65, 402}, tok.encode("a<pad>b<x1>"));
        assertEquals("ab", tok.decode(tok.encode("a<pad>b<x1>"), true));
    }

    @Test
    void aGpt2TokenizerJsonSavedAloneIsNotOpts() throws Exception {
        // No config.json (tokenizer.save_pretrained writes none) and no </s> or <pad>: 5.17's GPT2Tokenizer.
        copyStyle("gpt2", tmp);
        Files.delete(tmp.resolve("config.json"));
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"GPT2Tokenizer\"}");
        assertInstanceOf(HfTokenizer.class, AutoTokenizer.fromDir(tmp));
    }

    @Test
    void specialTokensMapIsReadOnlyWithoutAddedTokensDecoder() throws Exception {
        // TinyLlama's special_tokens_map.json says pad "</s>", but its tokenizer_config.json has an
        // added_tokens_decoder, so transformers 5.17 never reads the map: no pad.
        Tokenizer withDecoder = AutoTokenizer.fromDir(HfTokenizerParityTest.dir("tinyllama"));
        assertEquals(-1, withDecoder.padId());
        copyStyle("tinyllama", tmp);
        Path cfg = tmp.resolve("tokenizer_config.json");
        Files.writeString(cfg, "{\"add_bos_token\": true, \"legacy\": false, \"tokenizer_class\": \"LlamaTokenizer\"}");
        assertEquals(2, AutoTokenizer.fromDir(tmp).padId());
    }

    @Test
    void aSavedModelsCopyOfTheFilesReloadsTheSame() throws Exception {
        Tokenizer tok = AutoTokenizer.fromDir(HfTokenizerParityTest.dir("qwen2"));
        Path out = tmp.resolve("saved");
        TokenizerFiles.read(HfTokenizerParityTest.dir("qwen2")).writeTo(out); // as HfModelDir.write copies them
        Files.copy(HfTokenizerParityTest.dir("qwen2").resolve("config.json"), out.resolve("config.json"));
        Tokenizer again = AutoTokenizer.fromDir(out);
        assertEquals(tok.fingerprint(), again.fingerprint());
        assertArrayEquals(tok.encode(" = Valkyria Chronicles III = \n"), again.encode(" = Valkyria Chronicles III = \n"));
    }

    private static void copyStyle(String style, Path into) throws IOException, java.net.URISyntaxException {
        Path from = HfTokenizerParityTest.dir(style);
        for (String name : new String[] {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "config.json"}) {
            if (Files.isRegularFile(from.resolve(name))) {
                Files.copy(from.resolve(name), into.resolve(name));
            }
        }
    }
}
