package io.collapse.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.config.ConfigLoader;
import io.collapse.config.RunConfig;
import java.awt.image.BufferedImage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

class ReportTest {

    @TempDir Path tmp;

    @Test
    void collapseMeasuresFollowTheSyntheticShape() throws IOException {
        Path sweep = SyntheticRuns.sweep(tmp.resolve("sweep"));
        Report.Result result = Report.write(List.of(sweep), tmp.resolve("out"));
        assertTrue(result.warnings().isEmpty(), result.warnings().toString());
        List<MetricTable.Row> rows = MetricTable.rows(result.runs());
        for (MetricTable.Row r : rows) {
            if (r.generation() == 0) {
                // Generation 0 against itself.
                assertEquals(0.0, r.get("w1_log10_ppl"), 1e-12);
                assertEquals(0.0, r.get("kl_nats"), 1e-12);
                assertEquals(0.05, r.get("share_above_ref_p95"), 1e-3);
                assertEquals(0.05, r.get("share_below_ref_p05"), 1e-3);
            }
        }
        MetricTable.Row a0 = find(rows, "a-seed0", 0);
        MetricTable.Row a2 = find(rows, "a-seed0", 2);
        MetricTable.Row b2 = find(rows, "b-seed0", 2);
        // gen 2 of a: log10 ppl ~ N(0.7, 0.15) vs N(1.0, 0.25) → ~23% below gen 0's p5 (5%).
        // Lower mass grows, a high tail appears, token variety shrinks, loops grow — faster in regime a.
        assertTrue(a2.get("share_below_ref_p05") > 0.15, "share below p5: " + a2.get("share_below_ref_p05"));
        assertTrue(a2.get("share_above_ref_p99") > 0.02, "share above p99: " + a2.get("share_above_ref_p99"));
        above("w1_log10_ppl", a2, b2);
        above("kl_nats", a2, b2);
        above("vocabulary_coverage", a0, a2);
        above("unigram_entropy_bits", a0, a2);
        above("repeated_4gram_rate", a2, a0);
        above("distinct_3", a0, a2);
        assertEquals(SyntheticRuns.SEQUENCES * SyntheticRuns.BLOCK, (long) a2.get("corpus_tokens"));
        above("test_corpus_ppl", a2, a0);
    }

    @Test
    void writesEveryFileDecodableAndCsvWithOneRowPerRunAndGeneration() throws Exception {
        Path sweep = SyntheticRuns.sweep(tmp.resolve("sweep"));
        Path out = tmp.resolve("out");
        Report.Result result = Report.write(List.of(sweep), out);

        List<String> names = result.files().stream().map(p -> p.getFileName().toString()).toList();
        for (String fig : List.of("ppl-histograms", "ppl-histograms-multiples", "test-perplexity", "collapse-measures")) {
            assertTrue(names.contains(fig + ".png") && names.contains(fig + ".svg"), fig + " missing from " + names);
        }
        assertEquals("index.html", names.get(names.size() - 1));
        for (Path f : result.files()) {
            assertTrue(Files.size(f) > 0, f + " is empty");
            String name = f.getFileName().toString();
            if (name.endsWith(".png")) {
                BufferedImage img = ImageIO.read(f.toFile());
                assertNotNull(img, f + " does not decode");
                assertTrue(pixelStd(img) > 10, f + ": nearly uniform image, std " + pixelStd(img));
            } else if (name.endsWith(".svg")) {
                Document doc = parseXml(f);
                assertEquals("svg", doc.getDocumentElement().getNodeName());
                assertTrue(doc.getElementsByTagName("path").getLength() > 10, f + ": too few paths");
            }
        }

        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        String[] header = csv.get(0).split(",");
        assertEquals(5 + MetricTable.COLUMNS.size(), header.length);
        assertEquals(List.of("run", "regime", "seed", "generation", "label"), Arrays.asList(header).subList(0, 5));
        int runs = SyntheticRuns.REGIMES.size() * SyntheticRuns.SEEDS.size();
        assertEquals(1 + runs * (SyntheticRuns.GENERATIONS + 1), csv.size()); // + the real-data row per run
        for (String line : csv.subList(1, csv.size())) {
            assertEquals(header.length, line.split(",", -1).length, line);
        }
        assertTrue(csv.contains(csv.stream().filter(l -> l.startsWith("b-seed1,b,1,2,gen 2,2000,")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for b-seed1 gen 2"))));

        List<String> byRegime = Files.readAllLines(out.resolve("metrics-by-regime.csv"));
        assertTrue(byRegime.stream().anyMatch(l -> l.startsWith("a,2,gen 2,test_corpus_ppl,2,")), "aggregate over 2 seeds");

        String html = Files.readString(out.resolve("index.html"), StandardCharsets.UTF_8);
        assertTrue(html.contains("corpus ppl = exp(mean token NLL)") && html.contains("mean batch ppl (released code)"));
        assertTrue(html.contains("&lt;b&gt;the&lt;/b&gt;"), "sample text is escaped");
        assertTrue(!html.contains("http://") && !html.contains("https://") || onlyInsideDataUris(html),
                "index.html must fetch nothing");
    }

    @Test
    void sameInputsGiveTheSameBytes() throws IOException {
        Path sweep = SyntheticRuns.sweep(tmp.resolve("sweep"));
        Path out = tmp.resolve("out");
        Report.Result first = Report.write(List.of(sweep), out);
        byte[][] before = first.files().stream().map(ReportTest::bytes).toArray(byte[][]::new);
        Report.Result second = Report.write(List.of(sweep), out);
        assertEquals(first.files(), second.files());
        for (int i = 0; i < before.length; i++) {
            assertArrayEquals(before[i], bytes(second.files().get(i)), second.files().get(i).toString());
        }
        try (Stream<Path> left = Files.list(out)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary files left behind");
        }
    }

    /** Only an empty folder or an earlier report is written into: the user's files are never overwritten. */
    @Test
    void aFolderOfTheUsersIsRefusedUntouched() throws IOException {
        Path sweep = SyntheticRuns.sweep(tmp.resolve("sweep"));
        Path notes = Files.createDirectories(tmp.resolve("mine")).resolve("notes.txt");
        Path page = Files.createDirectories(tmp.resolve("page")).resolve("index.html");
        Path metrics = Files.createDirectories(tmp.resolve("metrics")).resolve("metrics.json"); // a name a report writes
        for (Path mine : List.of(notes, page, metrics)) {
            Files.writeString(mine, "mine");
            IOException e = assertThrows(IOException.class, () -> Report.write(List.of(sweep), mine.getParent()));
            assertEquals(mine.getParent() + ": holds " + mine.getFileName() + " and is not a report folder; expected a new or"
                    + " empty folder, or a report to replace", e.getMessage());
            assertEquals("mine", Files.readString(mine));
            try (Stream<Path> left = Files.list(mine.getParent())) {
                assertEquals(1, left.count());
            }
        }
    }

    @Test
    void aCorpusChangedSinceTheLastWriteIsMeasuredAgain() throws IOException {
        Path run = tmp.resolve("run");
        SyntheticRuns.run(run, "a", 0, 2);
        Path out = run.resolve("report");
        RunData.TokenStats before = Report.write(List.of(run), out).runs().get(0).generation(1).tokens();
        assertNotNull(before);

        // Generation 1 redone: a corpus of other blocks (4 ids only, looping) in the same directory.
        SyntheticRuns.corpus(run.resolve("gen-01/corpus"), new Random(7), 4, 1.0);
        RunData.TokenStats redone = Report.write(List.of(run), out).runs().get(0).generation(1).tokens();
        assertEquals(4, redone.vocabularyCoverage());
        assertEquals(1.0, redone.repeated4gramRate(), 1e-12);

        // Then a shard lost: the measures are skipped with a warning, not remembered from before.
        Files.delete(run.resolve("gen-01/corpus/shard-00000.bin"));
        Report.Result damaged = Report.write(List.of(run), out);
        assertEquals(null, damaged.runs().get(0).generation(1).tokens());
        assertTrue(damaged.warnings().stream().anyMatch(w -> w.contains("token measures skipped")),
                damaged.warnings().toString());
    }

    /**
     * A kill while the first report is written: metrics.json comes first, so what is left is a
     * report's folder, replaced by the next write; a run's report/ that 0.3.3 left with figures only
     * is replaced too, where the same names in a folder of the user's are refused.
     */
    @Test
    void aReportCutShortIsReplacedByTheNextWrite() throws IOException {
        Path run = tmp.resolve("run");
        SyntheticRuns.run(run, "a", 0, 1);
        Report.Result first = Report.write(List.of(run), run.resolve("report"));
        assertEquals("metrics.json", first.files().get(0).getFileName().toString(), "the folder is marked before any figure");

        Path cutShort = run.resolve("report");
        for (Path f : first.files().subList(3, first.files().size())) {
            Files.delete(f); // as a 0.3.3 kill left it: two figures, no metrics.json
        }
        Files.delete(cutShort.resolve("metrics.json"));
        Report.write(List.of(run), cutShort);
        assertTrue(Files.isRegularFile(cutShort.resolve("index.html")));

        Path mine = Files.createDirectories(tmp.resolve("mine/report"));
        Files.writeString(mine.resolve("ppl-histograms.png"), "mine");
        IOException e = assertThrows(IOException.class, () -> Report.write(List.of(run), mine));
        assertTrue(e.getMessage().startsWith(mine + ": holds ppl-histograms.png and is not a report folder"), e.getMessage());
        // Nor is a figure of the user's in a run's report/ taken for one of ours.
        Path other = tmp.resolve("other");
        SyntheticRuns.run(other, "a", 1, 1);
        Files.writeString(Files.createDirectories(other.resolve("report")).resolve("my-plot.png"), "mine");
        assertThrows(IOException.class, () -> Report.write(List.of(other), other.resolve("report")));
        assertEquals("mine", Files.readString(other.resolve("report/my-plot.png")));
        // The root is a folder of the user's too, refused in one line.
        IOException root = assertThrows(IOException.class, () -> Report.checkOutDir(Path.of("/")));
        assertTrue(root.getMessage().startsWith("/: holds "), root.getMessage());
    }

    @Test
    void aRunContinuedWithAnotherMemorySettingSaysSo() throws IOException {
        Path run = tmp.resolve("run");
        SyntheticRuns.run(run, "a", 0, 1);
        Path manifest = run.resolve("run.json");
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(manifest.toFile());
        json.putArray("changes").addObject().put("time", "2026-11-26T13:00:00Z").put("setting", "train.micro_batch")
                .put("from", 32).put("to", 16);
        new ObjectMapper().writeValue(manifest.toFile(), json);

        Report.Result r = Report.write(List.of(run), run.resolve("report"));
        String want = run + ": continued with train.micro_batch 32 -> 16 from 2026-11-26T13:00:00Z on";
        assertTrue(r.warnings().size() == 1 && r.warnings().get(0).startsWith(want), r.warnings().toString());
        assertTrue(Files.readString(run.resolve("report/index.html")).contains("continued with train.micro_batch 32 -&gt; 16"));
    }

    @Test
    void runsOfOneConfigNameButOtherSettingsAreNotPooled() throws IOException {
        Path sweep = tmp.resolve("sweep");
        for (int seed = 0; seed < 3; seed++) {
            Path run = sweep.resolve("a-seed" + seed);
            SyntheticRuns.run(run, "a", seed, 1);
            // Seeds 0 and 1 as swept with --set train.epochs=1; seed 2 added later without it. The
            // seeds, micro-batch and device differ too, and split nothing; nor does a field one run's
            // run.json lacks (read at its default).
            ObjectNode json = (ObjectNode) new ObjectMapper().readTree(run.resolve("run.json").toFile());
            RunConfig config = RunConfig.load("smoke", List.of("train.epochs=" + (seed < 2 ? 1 : 2), "train.seed=" + seed,
                    "train.batch_size=32", "train.micro_batch=" + (8 << seed), "experiment.seed=" + seed,
                    "device.device=" + (seed == 0 ? "cpu" : "gpu")));
            ObjectNode tree = ConfigLoader.JSON.valueToTree(config);
            if (seed == 1) {
                ((ObjectNode) tree.get("train")).remove("loss_scale_growth_interval"); // as a version before the field wrote it
            }
            json.set("config", tree);
            new ObjectMapper().writeValue(run.resolve("run.json").toFile(), json);
        }
        Report.Result r = Report.write(List.of(sweep.resolve("a-seed0"), sweep.resolve("a-seed1"), sweep.resolve("a-seed2")),
                tmp.resolve("out"));

        assertEquals(List.of("runs of config a differ in train.epochs: reported as 2 regimes, not pooled over seeds"),
                r.warnings());
        assertEquals(List.of("a (train.epochs=1)", "a (train.epochs=1)", "a (train.epochs=2)"),
                r.runs().stream().map(RunData::regime).toList());
        List<String> byRegime = Files.readAllLines(tmp.resolve("out/metrics-by-regime.csv"));
        assertTrue(byRegime.stream().anyMatch(l -> l.startsWith("a (train.epochs=1),0,gen 0,test_corpus_ppl,2,")), byRegime.get(1));
        assertTrue(byRegime.stream().anyMatch(l -> l.startsWith("a (train.epochs=2),0,gen 0,test_corpus_ppl,1,")), byRegime.get(1));
    }

    @Test
    void aRunningExperimentIsReadAsFarAsItGot() throws IOException {
        Path run = tmp.resolve("run");
        SyntheticRuns.run(run, "a", 0, 3);
        // Generation 2 is being written: its perplexities half-written, its corpus missing a shard; gen 3 just made.
        Path pplFile = run.resolve("gen-02/corpus-ppl.f32");
        byte[] full = Files.readAllBytes(pplFile);
        Files.write(pplFile, Arrays.copyOf(full, full.length / 2 + 1));
        Files.delete(run.resolve("gen-02/corpus/shard-00001.bin"));
        Files.createDirectories(run.resolve("gen-03"));

        Report.Result result = Report.write(List.of(run), run.resolve("report"));
        RunData data = result.runs().get(0);
        assertEquals(List.of(0, 1, 2), data.generations().stream().map(RunData.Generation::generation).toList());
        RunData.Generation g2 = data.generation(2);
        assertEquals(null, g2.corpusPpl());
        assertEquals(null, g2.tokens());
        assertNotNull(g2.eval());
        assertEquals(2, result.warnings().size(), result.warnings().toString());
        assertTrue(result.warnings().get(0).contains("corpus-ppl.f32") || result.warnings().get(1).contains("corpus-ppl.f32"));
        assertTrue(Files.readString(run.resolve("report/index.html")).contains("not a whole number of float32"));

        // The run's own final report is written before its end is recorded: every generation is done by then.
        Files.writeString(run.resolve("state.json"), "{\"generation\": 2, \"phase\": \"end\"}");
        assertEquals("done", Report.write(List.of(run), run.resolve("report")).runs().get(0).state());
    }

    /** A folder no run writes (gen- and a number past int) is not a generation; a number past double's range is missing, not a chart's error. */
    @Test
    void aStrayFolderOrAnOutOfRangeNumberIsNotTheEndOfTheReport() throws IOException {
        Path run = tmp.resolve("run");
        SyntheticRuns.run(run, "a", 0, 2);
        Files.createDirectories(run.resolve("gen-2147483648"));
        Path eval = run.resolve("gen-01/eval.json");
        Files.writeString(eval, Files.readString(eval).replaceFirst("\"corpus_ppl\" *: *[0-9.eE+-]+", "\"corpus_ppl\": 1e400"));
        assertTrue(Files.readString(eval).contains("1e400"), "the test edits the file it means to");
        Report.Result result = Report.write(List.of(run), run.resolve("report"));
        assertEquals(List.of(0, 1), result.runs().get(0).generations().stream().map(RunData.Generation::generation).toList());
        assertTrue(Double.isNaN(result.runs().get(0).generation(1).eval().testCorpusPpl()));
        assertTrue(Files.size(run.resolve("report/index.html")) > 0);
    }

    @Test
    void aRunThatHasOnlyStartedStillGivesAPage() throws IOException {
        Path fresh = tmp.resolve("fresh");
        Files.createDirectories(fresh);
        Files.writeString(fresh.resolve("run.json"), "{\"format\":1,\"name\":\"fresh\",\"seed\":3,\"regime\":{\"name\":\"a\"}}");
        Path one = tmp.resolve("one");
        SyntheticRuns.run(one, "b", 0, 1);
        Report.Result r = Report.write(List.of(fresh, one), tmp.resolve("out"));
        assertTrue(r.warnings().isEmpty(), r.warnings().toString());
        assertEquals(0, r.runs().get(0).generations().size());
        // A run.json without a seed gives "seed": null in metrics.json, not a missing key.
        Path noSeed = tmp.resolve("no-seed");
        Files.createDirectories(noSeed);
        Files.writeString(noSeed.resolve("run.json"), "{\"format\":1,\"name\":\"no-seed\",\"regime\":{\"name\":\"a\"}}");
        Report.write(List.of(fresh, noSeed), tmp.resolve("out2"));
        JsonNode runs = new ObjectMapper().readTree(tmp.resolve("out2/metrics.json").toFile()).path("runs");
        assertEquals(3, runs.get(0).get("seed").asInt(-1), runs.toString());
        assertTrue(runs.get(1).has("seed") && runs.get(1).get("seed").isNull(), runs.toString());
        assertTrue(Files.readString(tmp.resolve("out/index.html")).contains("none yet"));
        assertTrue(Files.size(tmp.resolve("out/collapse-measures.png")) > 0);
    }

    /** {@code high}'s {@code key} is above {@code low}'s; both numbers shown when not. */
    private static void above(String key, MetricTable.Row high, MetricTable.Row low) {
        assertTrue(high.get(key) > low.get(key), key + ": " + high.get(key) + " is not above " + low.get(key));
    }

    private static MetricTable.Row find(List<MetricTable.Row> rows, String run, int generation) {
        return rows.stream().filter(r -> r.run().equals(run) && r.generation() == generation).findFirst().orElseThrow();
    }

    static double pixelStd(BufferedImage img) {
        double sum = 0;
        double sq = 0;
        long n = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int rgb = img.getRGB(x, y);
                double lum = ((rgb >> 16 & 255) + (rgb >> 8 & 255) + (rgb & 255)) / 3.0;
                sum += lum;
                sq += lum * lum;
                n++;
            }
        }
        double mean = sum / n;
        return Math.sqrt(sq / n - mean * mean);
    }

    static Document parseXml(Path f) throws Exception {
        DocumentBuilderFactory dbf = DocumentBuilderFactory.newInstance();
        // The SVG names the W3C DTD; never fetch it.
        dbf.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        dbf.setFeature("http://xml.org/sax/features/external-general-entities", false);
        return dbf.newDocumentBuilder().parse(f.toFile());
    }

    /** True when every http(s) reference sits inside a base64 data URI (which fetches nothing). */
    private static boolean onlyInsideDataUris(String html) {
        String stripped = html.replaceAll("data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", "");
        return !stripped.contains("http://") && !stripped.contains("https://");
    }

    private static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
