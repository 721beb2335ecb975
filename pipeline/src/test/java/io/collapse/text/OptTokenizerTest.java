package io.collapse.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.model.hf.CheckpointException;
import io.collapse.model.hf.TokenizerSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** HF parity of the OPT-125m tokenizer against the slow GPT2Tokenizer's known answers. */
class OptTokenizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESOURCES = "/io/collapse/text/opt-125m/";
    private static JsonNode fixture;

    @TempDir
    Path tmp;

    @BeforeAll
    static void loadFixture() throws IOException {
        try (InputStream in = OptTokenizerTest.class.getResourceAsStream("/hf-opt/tokenizer/opt125m_tokenizer_cases.json")) {
            fixture = JSON.readTree(in);
        }
    }

    static Stream<Arguments> cases() throws IOException {
        loadFixture();
        List<Arguments> out = new ArrayList<>();
        fixture.get("cases").forEach(c -> out.add(Arguments.of(c.get("name").asText(), c)));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesSlowGpt2Tokenizer(String name, JsonNode c) {
        OptTokenizer tok = OptTokenizer.embedded();
        assertMatchesCase(tok, c);
        assertEquals(c.get("decode_no_cleanup").asText(), tok.decode(ints(c.get("ids_without_special_tokens")), false, false),
                "decode_no_cleanup");
    }

    /**
     * What every tokenizer fixture case records, as HF computed it: the ids with and without special
     * tokens, the tokens, and the decode of the ids with and without skipping special tokens.
     */
    static void assertMatchesCase(Tokenizer tok, JsonNode c) {
        String text = c.get("text").asText();
        int[] ids = ints(c.get("ids"));
        assertArrayEquals(ids, tok.encode(text), "ids");
        assertArrayEquals(ints(c.get("ids_without_special_tokens")), tok.encodeWithoutSpecial(text), "ids_without_special_tokens");
        assertEquals(strings(c.get("tokens")), tok.tokens(text), "tokens");
        assertEquals(c.get("decode").asText(), tok.decode(ids), "decode");
        assertEquals(c.get("decode_skip_special").asText(), tok.decode(ids, true), "decode_skip_special");
    }

    @Test
    void fixtureHasAllCases() {
        assertEquals(44, fixture.get("cases").size());
    }

    @Test
    void batchPaddingIsLeftWithPadOne() {
        OptTokenizer tok = OptTokenizer.embedded();
        JsonNode b = fixture.get("batch_padding");
        List<int[]> seqs = new ArrayList<>();
        b.get("texts").forEach(t -> seqs.add(tok.encode(t.asText())));
        PaddedBatch batch = PaddedBatch.leftPad(seqs, tok.padId());
        assertArrayEquals(matrix(b.get("input_ids")), batch.inputIds());
        assertArrayEquals(matrix(b.get("attention_mask")), batch.attentionMask());
    }

    @Test
    void decodeCases() {
        OptTokenizer tok = OptTokenizer.embedded();
        for (JsonNode c : fixture.get("decode_cases")) {
            int[] ids = ints(c.get("ids"));
            assertEquals(c.get("decode").asText(), tok.decode(ids));
            assertEquals(c.get("decode_skip_special").asText(), tok.decode(ids, true, true));
            List<String> tokens = new ArrayList<>();
            for (int id : ids) {
                tokens.add(tok.token(id));
            }
            assertEquals(strings(c.get("convert_ids_to_tokens")), tokens);
        }
    }

    @Test
    void decodingAnIdBeyondTheVocabularyNamesIt() {
        OptTokenizer tok = OptTokenizer.embedded();
        int[] ids = ints(fixture.get("decode_out_of_vocab").get("ids"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(ids));
        assertTrue(e.getMessage().contains("50265"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> tok.token(50271));
    }

    /** A model's output may hold its spare embedding rows (50265..50271): readable text marks them. */
    @Test
    void spareRowsShowAsMarkersWhereReadableTextIsWanted() {
        OptTokenizer tok = OptTokenizer.embedded();
        int[] hello = tok.encodeWithoutSpecial(" Hello");
        int[] ids = {tok.bosId(), hello[0], 50265, hello[0], 50271};
        assertEquals("</s> Hello<id 50265> Hello<id 50271>", tok.decodeShowingSpareIds(ids, false));
        assertEquals(" Hello<id 50265> Hello<id 50271>", tok.decodeShowingSpareIds(ids, true));
        assertEquals("", tok.decodeShowingSpareIds(new int[0], false));
    }

    @Test
    void sizesAndSpecialIdsAreOpts() {
        OptTokenizer tok = OptTokenizer.embedded();
        JsonNode t = fixture.get("tokenizer");
        assertEquals(t.get("len_tokenizer").asInt(), tok.vocabSize());
        assertEquals(t.get("pad_token_id").asInt(), tok.padId());
        assertEquals(t.get("bos_token_id").asInt(), tok.bosId());
        assertEquals(t.get("eos_token_id").asInt(), tok.eosId());
        assertEquals(t.get("unk_token_id").asInt(), tok.unkId());
        assertEquals(TokenizerSettings.OPT, tok.settings());
    }

    @Test
    void vocabAndMergesAloneGiveTheSameTokenizer() throws IOException {
        copyResources(tmp, "vocab.json", "merges.txt");
        OptTokenizer fromDir = OptTokenizer.fromDir(tmp);
        assertEquals(TokenizerSettings.OPT, fromDir.settings(), "defaults are OPT's");
        assertSameIdsOnAllCases(OptTokenizer.embedded(), fromDir);
        assertEquals(OptTokenizer.embedded().fingerprint(), fromDir.fingerprint(),
                "the config files only restate the defaults, so the identity is the same");
    }

    @Test
    void tokenizerJsonLoadsThroughDjlWithTheSameIds() throws IOException {
        Files.writeString(tmp.resolve("tokenizer.json"), optTokenizerJson(), StandardCharsets.UTF_8);
        OptTokenizer fast = OptTokenizer.fromDir(tmp);
        OptTokenizer slow = OptTokenizer.embedded();
        assertSameIdsOnAllCases(slow, fast);
        for (JsonNode c : fixture.get("cases")) {
            assertEquals(slow.tokens(c.get("text").asText()), fast.tokens(c.get("text").asText()));
        }
        // Every line of the raw validation split, and one text far beyond DJL's default 512-token cut.
        List<String> lines = rawValidLines();
        StringBuilder longText = new StringBuilder();
        for (String line : lines) {
            assertArrayEquals(slow.encode(line), fast.encode(line), line);
            longText.append(line);
        }
        int[] longIds = fast.encode(longText.substring(0, 20_000));
        assertTrue(longIds.length > 2000, longIds.length + " ids");
        assertArrayEquals(slow.encode(longText.substring(0, 20_000)), longIds);
        assertEquals(slow.vocabSize(), fast.vocabSize());
        assertNotEquals(slow.fingerprint(), fast.fingerprint());
        // One 20,000-letter "word" and one of random bytes' characters: single pieces long enough that
        // the merge order, not the pre-tokenizer, decides every id.
        Random random = new Random(7);
        StringBuilder letters = new StringBuilder();
        StringBuilder mixed = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            letters.append((char) ('a' + random.nextInt(26)));
            mixed.append("aeiouéßøあ".charAt(random.nextInt(9)));
        }
        assertArrayEquals(fast.encode(letters.toString()), slow.encode(letters.toString()));
        assertArrayEquals(fast.encode(mixed.toString()), slow.encode(mixed.toString()));
    }

    @Test
    void configFlagsAreHonoured() throws IOException {
        copyResources(tmp, "vocab.json", "merges.txt", "special_tokens_map.json");
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"add_bos_token\": false, \"add_prefix_space\": true}");
        OptTokenizer tok = OptTokenizer.fromDir(tmp);
        assertArrayEquals(new int[] {20920, 232}, tok.encode("Hello world"), "no </s>, and 'Hello' gets the space: 'ĠHello'");
        assertNotEquals(OptTokenizer.embedded().fingerprint(), tok.fingerprint());
    }

    @Test
    void specialTokensMapOverridesTheConfig() throws IOException {
        copyResources(tmp, "vocab.json", "merges.txt", "tokenizer_config.json");
        Files.writeString(tmp.resolve("special_tokens_map.json"), "{\"unk_token\": \"<unk>\"}");
        OptTokenizer tok = OptTokenizer.fromDir(tmp);
        assertEquals(3, tok.unkId());
        assertArrayEquals(new int[] {2, 3}, tok.encode("<unk>"), "a special token is never split");
        assertEquals("", tok.decode(new int[] {2, 3}, true, true));
    }

    @Test
    void unusableFilesAreNamed() throws IOException {
        CheckpointException none = assertThrows(CheckpointException.class, () -> OptTokenizer.fromDir(tmp));
        assertTrue(none.getMessage().contains("vocab.json"), none.getMessage());

        copyResources(tmp, "vocab.json");
        Files.writeString(tmp.resolve("merges.txt"), "#version: 0.2\nĠ t\nbad line here\n");
        CheckpointException merges = assertThrows(CheckpointException.class, () -> OptTokenizer.fromDir(tmp));
        assertTrue(merges.getMessage().contains("merges.txt") && merges.getMessage().contains("line 3"), merges.getMessage());

        copyResources(tmp, "merges.txt");
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"pad_token\": \"<nope>\"}");
        CheckpointException pad = assertThrows(CheckpointException.class, () -> OptTokenizer.fromDir(tmp));
        assertTrue(pad.getMessage().contains("<nope>"), pad.getMessage());

        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"errors\": \"strict\"}");
        CheckpointException errors = assertThrows(CheckpointException.class, () -> OptTokenizer.fromDir(tmp));
        assertTrue(errors.getMessage().contains("strict"), errors.getMessage());

        // A vocabulary without the byte tokens is vocab.json's fault, not merges.txt's.
        Files.delete(tmp.resolve("tokenizer_config.json"));
        Files.writeString(tmp.resolve("vocab.json"), "{}");
        CheckpointException bytes = assertThrows(CheckpointException.class, () -> OptTokenizer.fromDir(tmp));
        assertTrue(bytes.getMessage().contains("vocab.json: vocabulary lacks the byte-level token 'Ā' for byte 0x00"),
                bytes.getMessage());
    }

    @Test
    void inconsistentTokenizerFilesAreRefusedNotReplaced() throws IOException {
        copyResources(tmp, "vocab.json");
        // Half a BPE pair must not quietly become the bundled tokenizer (issue 15).
        CheckpointException half = assertThrows(CheckpointException.class, () -> io.collapse.model.hf.HfModelDir.hasTokenizer(tmp));
        assertTrue(half.getMessage().contains("merges.txt: missing, but vocab.json is there"), half.getMessage());

        Files.writeString(tmp.resolve("merges.txt"), "#version: 0.2\n");
        CheckpointException empty = assertThrows(CheckpointException.class, () -> OptTokenizer.fromDir(tmp));
        assertTrue(empty.getMessage().contains("merges.txt: has no merges"), empty.getMessage());

        copyResources(tmp, "merges.txt");
        String vocab = Files.readString(tmp.resolve("vocab.json"));
        Files.writeString(tmp.resolve("vocab.json"), vocab.replace("\"</s>\"", "\"</x>\""));
        CheckpointException eos = assertThrows(CheckpointException.class, () -> OptTokenizer.fromDir(tmp));
        assertTrue(eos.getMessage().contains("special token '</s>' is not in the vocabulary"), eos.getMessage());
    }

    @Test
    void invalidUtf8DecodesLikePythonReplace() {
        OptTokenizer tok = OptTokenizer.embedded();
        // "🙂" is F0 9F 99 82, more than one byte-level token; without its last token it is a cut character.
        int[] emoji = tok.encodeWithoutSpecial("🙂");
        assertTrue(emoji.length > 1, emoji.length + " ids");
        assertEquals("🙂", tok.decode(emoji, false, false));
        int[] head = java.util.Arrays.copyOf(emoji, emoji.length - 1);
        assertEquals("\uFFFD", tok.decode(head, false, false), "a truncated character is one U+FFFD, as in Python");
    }

    private static void assertSameIdsOnAllCases(OptTokenizer expected, OptTokenizer actual) {
        for (JsonNode c : fixture.get("cases")) {
            String text = c.get("text").asText();
            assertArrayEquals(ints(c.get("ids")), actual.encode(text), c.get("name").asText());
            assertArrayEquals(expected.encodeWithoutSpecial(text), actual.encodeWithoutSpecial(text), c.get("name").asText());
        }
    }

    /** facebook/opt-125m's tokenizer as HF's GPT2Converter would write its tokenizer.json. */
    private static String optTokenizerJson() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        added.add(addedToken(1, "<pad>"));
        added.add(addedToken(2, "</s>"));
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(false));
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        post.putArray("single").add(piece("SpecialToken", "</s>")).add(piece("Sequence", "A"));
        post.putArray("pair").add(piece("SpecialToken", "</s>")).add(piece("Sequence", "A"))
                .add(piece("SpecialToken", "</s>")).add(piece("Sequence", "B"));
        ObjectNode eos = post.putObject("special_tokens").putObject("</s>");
        eos.put("id", "</s>");
        eos.putArray("ids").add(2);
        eos.putArray("tokens").add("</s>");
        root.set("decoder", byteLevel(true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.set("vocab", JSON.readTree(resource("vocab.json")));
        ArrayNode merges = model.putArray("merges");
        String[] lines = new String(resource("merges.txt"), StandardCharsets.UTF_8).split("\n");
        for (int i = 1; i < lines.length; i++) {
            merges.add(lines[i]);
        }
        return JSON.writeValueAsString(root);
    }

    /** A special token as GPT2Converter adds it: normalized, no stripping. */
    private static ObjectNode addedToken(int id, String content) {
        return HfTokenizer.added(id, content, true, true, false, false, false);
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace) {
        ObjectNode b = JSON.createObjectNode();
        b.put("type", "ByteLevel");
        b.put("add_prefix_space", addPrefixSpace);
        b.put("trim_offsets", true);
        b.put("use_regex", true);
        return b;
    }

    /** One piece of a TemplateProcessing template: {@code type} "SpecialToken" or "Sequence", type id 0. */
    private static ObjectNode piece(String type, String id) {
        ObjectNode n = JSON.createObjectNode();
        n.putObject(type).put("id", id).put("type_id", 0);
        return n;
    }

    /** wiki.valid.raw as HF datasets presents it: every line with its "\n", whitespace-only lines as "". */
    private static List<String> rawValidLines() throws IOException {
        Path file = Path.of(System.getProperty("collapse.repo", "../"), "datasets/wikitext-2-raw-v1/wiki.valid.raw.gz");
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lines.add(line.isBlank() ? "" : line + "\n");
            }
        }
        return lines;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = OptTokenizer.class.getResourceAsStream(RESOURCES + name)) {
            return in.readAllBytes();
        }
    }

    private static void copyResources(Path dir, String... names) throws IOException {
        for (String name : names) {
            Files.write(dir.resolve(name), resource(name));
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static int[][] matrix(JsonNode rows) {
        int[][] out = new int[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = ints(rows.get(i));
        }
        return out;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(s -> out.add(s.asText()));
        return out;
    }
}
