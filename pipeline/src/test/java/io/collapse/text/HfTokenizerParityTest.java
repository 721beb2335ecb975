package io.collapse.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of every family-style tokenizer against transformers 5.17's AutoTokenizer, exact: ids
 * with and without special tokens, tokens, decode with and without skip_special_tokens, the special
 * ids, len(tokenizer), padding_side and a left-padded batch (bench/fixtures/make_tokenizer_styles.py).
 */
class HfTokenizerParityTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> STYLES = List.of("gpt2", "smollm2", "tinyllama", "pythia", "qwen2");

    static Path dir(String style) throws URISyntaxException {
        return Path.of(HfTokenizerParityTest.class.getResource("/hf-tokenizers/" + style + "/tokenizer.json").toURI()).getParent();
    }

    static JsonNode fixture(String style) throws IOException, URISyntaxException {
        return JSON.readTree(Files.readString(dir(style).resolve(style + "_tokenizer_cases.json")));
    }

    static Stream<Arguments> cases() throws IOException, URISyntaxException {
        List<Arguments> out = new ArrayList<>();
        for (String style : STYLES) {
            for (JsonNode c : fixture(style).get("cases")) {
                out.add(Arguments.of(style + "/" + c.get("name").asText(), style, c));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesAutoTokenizer(String name, String style, JsonNode c) throws Exception {
        Tokenizer tok = AutoTokenizer.fromDir(dir(style));
        String text = c.get("text").asText();
        int[] ids = OptTokenizerTest.ints(c.get("ids"));
        int[] plain = OptTokenizerTest.ints(c.get("ids_without_special_tokens"));
        assertArrayEquals(ids, tok.encode(text), "ids");
        assertArrayEquals(plain, tok.encodeWithoutSpecial(text), "ids_without_special_tokens");
        assertEquals(OptTokenizerTest.strings(c.get("tokens")), tok.tokens(text), "tokens");
        assertEquals(c.get("decode").asText(), tok.decode(ids), "decode");
        assertEquals(c.get("decode_skip_special").asText(), tok.decode(ids, true), "decode_skip_special");
        assertEquals(c.get("decode_without_special").asText(), tok.decode(plain), "decode_without_special");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("styles")
    void specialIdsSizeAndPaddingAreAutoTokenizers(String style) throws Exception {
        JsonNode f = fixture(style);
        JsonNode t = f.get("tokenizer");
        Tokenizer tok = AutoTokenizer.fromDir(dir(style));
        HfTokenizer hf = assertInstanceOf(HfTokenizer.class, tok);
        assertEquals(f.get("tokenizer_class").asText(), hf.tokenizerClass());
        assertEquals(t.get("len_tokenizer").asInt(), tok.vocabSize(), "len(tokenizer)");
        assertEquals(t.get("bos_token_id").asInt(-1), tok.bosId(), "bos");
        assertEquals(t.get("eos_token_id").asInt(-1), tok.eosId(), "eos");
        assertEquals(t.get("pad_token_id").asInt(-1), tok.padId(), "pad");
        assertEquals(t.get("unk_token_id").asInt(-1), tok.unkId(), "unk");
        assertEquals(t.get("padding_side").asText(), tok.paddingSide());
        JsonNode b = f.get("batch_left_padded");
        if (b != null) {
            List<int[]> seqs = new ArrayList<>();
            b.get("texts").forEach(x -> seqs.add(tok.encode(x.asText())));
            PaddedBatch batch = PaddedBatch.leftPad(seqs, tok.batchPadId());
            assertArrayEquals(OptTokenizerTest.matrix(b.get("input_ids")), batch.inputIds());
            assertArrayEquals(OptTokenizerTest.matrix(b.get("attention_mask")), batch.attentionMask());
        } else {
            assertEquals(-1, tok.padId());
            assertEquals(tok.eosId(), tok.batchPadId(), "no pad: prompts are padded with eos, as generate does");
        }
    }

    /** The model fixtures' own tokenizers (bench/fixtures/make_family_fixtures.py): a second, independent set of cases. */
    static Stream<Arguments> familyCases() throws IOException, URISyntaxException {
        Path root = Path.of(HfTokenizerParityTest.class.getResource("/hf-families/tokenizers").toURI());
        List<Arguments> out = new ArrayList<>();
        for (String name : List.of("gpt2", "llama2", "pythia", "qwen2", "smollm2")) {
            JsonNode f = JSON.readTree(Files.readString(root.resolve(name + "_tokenizer_cases.json")));
            for (JsonNode c : f.get("cases")) {
                out.add(Arguments.of(name + "/" + c.get("name").asText(), root.resolve(name), c));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("familyCases")
    void matchesTheModelFixturesTokenizers(String name, Path dir, JsonNode c) throws Exception {
        Tokenizer tok = AutoTokenizer.fromDir(dir);
        String text = c.get("text").asText();
        int[] ids = OptTokenizerTest.ints(c.get("ids"));
        assertArrayEquals(ids, tok.encode(text), "ids");
        assertArrayEquals(OptTokenizerTest.ints(c.get("ids_without_special_tokens")), tok.encodeWithoutSpecial(text),
                "ids_without_special_tokens");
        assertEquals(OptTokenizerTest.strings(c.get("tokens")), tok.tokens(text), "tokens");
        assertEquals(c.get("decode").asText(), tok.decode(ids), "decode");
        assertEquals(c.get("decode_skip_special").asText(), tok.decode(ids, true), "decode_skip_special");
    }

    static Stream<String> styles() {
        return STYLES.stream();
    }

    @Test
    void everyStyleHasItsCases() throws Exception {
        for (String style : STYLES) {
            assertTrue(fixture(style).get("cases").size() >= 19, style);
        }
    }
}
