package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.text.OptTokenizer;
import io.collapse.text.TextEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandTest {

    @TempDir Path tmp;

    /** The valid split counted without the data package: lines by hand, each encoded, ids concatenated. */
    @Test
    void wikitextValidThroughTheCliMatchesAnIndependentCount() throws Exception {
        Path gz = Path.of(System.getProperty("collapse.repo"), "datasets/wikitext-2-v1/wiki.valid.tokens.gz");
        String content;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        TextEncoder tok = OptTokenizer.embedded();
        int[] all = new int[0];
        int total = 0;
        int examples = 0;
        for (int start = 0; start < content.length(); examples++) {
            int end = content.indexOf('\n', start) + 1; // the file ends with a newline
            String line = content.substring(start, end);
            int[] ids = tok.encode(line.isBlank() ? "" : line);
            assertEquals(2, ids[0], "every example starts with </s>");
            if (total + ids.length > all.length) {
                all = java.util.Arrays.copyOf(all, Math.max(2 * all.length, total + ids.length));
            }
            System.arraycopy(ids, 0, all, total, ids.length);
            total += ids.length;
            start = end;
        }
        int blocks = total / 64;
        ByteBuffer le = ByteBuffer.allocate(4 * blocks * 64).order(ByteOrder.LITTLE_ENDIAN);
        le.asIntBuffer().put(all, 0, blocks * 64);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(le.array()));

        Cli.Result r = Cli.run("data", "--dataset", "wikitext-2-v1", "--split", "valid",
                "--cache-dir", tmp.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode valid = new ObjectMapper().readTree(r.out()).path("splits").path("valid");
        assertEquals(3760, examples);
        assertEquals(examples, valid.path("examples").asLong());
        assertEquals(total, valid.path("tokens").asLong());
        assertEquals(blocks, valid.path("blocks").asLong());
        assertEquals(total - blocks * 64L, valid.path("dropped_tokens").asLong());
        assertEquals(sha, valid.path("ids_sha256").asText());
        assertEquals("f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8", valid.path("source_sha256").asText());
        assertTrue(Files.isRegularFile(Path.of(valid.path("cache_file").asText())));

        // the second run maps the cache and prints the same numbers, as text this time
        Cli.Result again = Cli.run("data", "--dataset", "wikitext-2-v1", "--split", "valid",
                "--cache-dir", tmp.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().matches("(?s).*\\nvalid\\s+3760\\s+" + total + "\\s+" + blocks + "\\s+" + (total - blocks * 64L)
                + "\\s+" + sha + "\\n.*"), again.out());
    }

    @Test
    void userJsonlWithABadLineFailsNamingTheLine() throws IOException {
        Path corpus = Files.writeString(tmp.resolve("c.jsonl"), "{\"text\": \"Hello world\"}\n{\"txt\": \"no\"}\n");
        Cli.Result r = Cli.run("data", "--jsonl", corpus.toString(), "--cache-dir", tmp.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("error: " + corpus + " line 2: expected a JSON object"), r.err());
    }

    @Test
    void userTextCorpusWithHeldOutSplits() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            sb.append(" Hello world number ").append(i).append(" .\n");
        }
        Path corpus = Files.writeString(tmp.resolve("c.txt"), sb);
        Cli.Result r = Cli.run("data", "--text", corpus.toString(), "--block-size", "8",
                "--cache-dir", tmp.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode splits = new ObjectMapper().readTree(r.out()).path("splits");
        assertEquals(36, splits.path("train").path("examples").asInt());
        assertEquals(2, splits.path("valid").path("examples").asInt());
        assertEquals(2, splits.path("test").path("examples").asInt());
        TextEncoder tok = OptTokenizer.embedded();
        int testTokens = tok.encode(" Hello world number 38 .\n").length + tok.encode(" Hello world number 39 .\n").length;
        assertEquals(testTokens, splits.path("test").path("tokens").asInt());
    }

    @Test
    void unknownDatasetAndOfflineRawTrainAreOneLineErrors() {
        Cli.Result unknown = Cli.run("data", "--dataset", "wikitext-103", "--cache-dir", tmp.toString());
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().startsWith("error: unknown dataset 'wikitext-103'"), unknown.err());
        Cli.Result validWithDataset = Cli.run("data", "--dataset", "wikitext-2-v1", "--valid", "v.txt",
                "--cache-dir", tmp.toString());
        assertEquals(1, validWithDataset.code());
        assertTrue(validWithDataset.err().startsWith("error: data source wikitext-2-v1: valid/test files go with a corpus file only"),
                validWithDataset.err());
        // surefire runs with -Dcollapse.offline=true: the raw train split is refused without a network attempt
        Cli.Result raw = Cli.run("data", "--dataset", "wikitext-2-raw-v1", "--split", "train",
                "--cache-dir", tmp.toString());
        assertEquals(1, raw.code());
        assertTrue(raw.err().contains("put wiki.train.raw (git blob 5109d6a316409e0ce4a5c1aa2a34226c957a5655) at "
                + tmp.resolve("datasets/wikitext-2-raw-v1/wiki.train.raw")), raw.err());
    }

    /** The JVM's heap running out is an Error picocli's handler never sees: main still says it in one line. */
    @Test
    void aHeapThatRunsOutIsOneLineNamingTheSetting() throws Exception {
        Path big = tmp.resolve("big.txt");
        Files.write(big, "the cat sat on the mat\n".repeat(2_000_000).getBytes(StandardCharsets.UTF_8)); // 46 MB
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx48m",
                "-Dcollapse.repo=" + System.getProperty("collapse.repo"), "-cp", System.getProperty("java.class.path"),
                CollapseCli.class.getName(), "data", "--text", big.toString(), "--cache-dir", tmp.resolve("cache").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), out);
        assertTrue(out.strip().startsWith("error: the Java heap ran out (") && out.strip().endsWith("COLLAPSE_JAVA_OPTS=-Xmx16g")
                && out.strip().lines().count() == 1, out);
    }
}
