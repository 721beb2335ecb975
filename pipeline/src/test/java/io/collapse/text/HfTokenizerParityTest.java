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
        OptTokenizerTest.assertMatchesCase(tok, c);
        assertEquals(c.get("decode_without_special").asText(), tok.decode(OptTokenizerTest.ints(c.get("ids_without_special_tokens"))),
                "decode_without_special");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("styles")
    void specialIdsSizeAndPaddingAreAutoTokenizers(String style) throws Exception {
        JsonNode f = fixture(style);
        assertSpecialIdsAndPadding(f.get("tokenizer_class").asText(), f.get("tokenizer"), f.get("batch_left_padded"),
                AutoTokenizer.fromDir(dir(style)));
    }

    /**
     * The class, len(tokenizer), special ids and padding side of {@code t} (a fixture's "tokenizer"),
     * and the left-padded batch when a pad token resolves ({@code batch} null or JSON null when none).
     */
    static void assertSpecialIdsAndPadding(String tokenizerClass, JsonNode t, JsonNode batch, Tokenizer tok) {
        HfTokenizer hf = assertInstanceOf(HfTokenizer.class, tok);
        assertEquals(tokenizerClass, hf.tokenizerClass());
        assertEquals(t.get("len_tokenizer").asInt(), tok.vocabSize(), "len(tokenizer)");
        assertEquals(t.get("bos_token_id").asInt(-1), tok.bosId(), "bos");
        assertEquals(t.get("eos_token_id").asInt(-1), tok.eosId(), "eos");
        assertEquals(t.get("pad_token_id").asInt(-1), tok.padId(), "pad");
        assertEquals(t.get("unk_token_id").asInt(-1), tok.unkId(), "unk");
        assertEquals(t.get("padding_side").asText(), tok.paddingSide());
        if (batch != null && !batch.isNull()) {
            List<int[]> seqs = new ArrayList<>();
            batch.get("texts").forEach(x -> seqs.add(tok.encode(x.asText())));
            PaddedBatch padded = PaddedBatch.leftPad(seqs, tok.batchPadId());
            assertArrayEquals(OptTokenizerTest.matrix(batch.get("input_ids")), padded.inputIds());
            assertArrayEquals(OptTokenizerTest.matrix(batch.get("attention_mask")), padded.attentionMask());
        } else {
            assertEquals(-1, tok.padId());
            assertEquals(tok.eosId(), tok.batchPadId(), "no pad: prompts are padded with eos, as generate does");
        }
    }

    /** The model fixtures' own tokenizers (bench/fixtures/make_family_fixtures.py): a second, independent set of cases. */
    static final List<String> FAMILIES = List.of("gpt2", "llama2", "pythia", "qwen2", "smollm2");

    static Path familyRoot() throws URISyntaxException {
        return Path.of(HfTokenizerParityTest.class.getResource("/hf-families/tokenizers").toURI());
    }

    static JsonNode familyFixture(String name) throws IOException, URISyntaxException {
        return JSON.readTree(Files.readString(familyRoot().resolve(name + "_tokenizer_cases.json")));
    }

    static Stream<Arguments> familyCases() throws IOException, URISyntaxException {
        Path root = familyRoot();
        List<Arguments> out = new ArrayList<>();
        for (String name : FAMILIES) {
            for (JsonNode c : familyFixture(name).get("cases")) {
                out.add(Arguments.of(name + "/" + c.get("name").asText(), root.resolve(name), c));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("familyCases")
    void matchesTheModelFixturesTokenizers(String name, Path dir, JsonNode c) throws Exception {
        OptTokenizerTest.assertMatchesCase(AutoTokenizer.fromDir(dir), c);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void theModelFixturesSpecialIdsSizeAndPaddingAreAutoTokenizers(String name) throws Exception {
        JsonNode t = familyFixture(name).get("tokenizer");
        assertSpecialIdsAndPadding(t.get("class").asText(), t, familyFixture(name).get("batch_padding"),
                AutoTokenizer.fromDir(familyRoot().resolve(name)));
    }

    static Stream<String> families() {
        return FAMILIES.stream();
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
