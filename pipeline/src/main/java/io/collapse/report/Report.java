package io.collapse.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.config.ConfigLoader;
import io.collapse.io.AtomicFiles;
import io.collapse.io.ErrorLines;
import io.collapse.io.RegularFiles;
import io.collapse.pipeline.RunFiles;
import io.collapse.pipeline.RunPlan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Writes the report of one or more runs: figures (PNG + SVG), metrics.csv, metrics-by-regime.csv,
 * metrics.json and a self-contained index.html. Safe to call while an experiment runs and as often
 * as wanted: it reads only finished files, every output file is replaced atomically, and the same
 * inputs give the same files.
 */
public final class Report {

    private static final String METRICS_JSON = "metrics.json";
    private static final String METRICS_CSV = "metrics.csv";
    private static final String BY_REGIME_CSV = "metrics-by-regime.csv";

    /** Every file this version writes into a report folder (its temporary files aside). */
    private static final Set<String> WRITTEN = Stream.concat(Stream.of(METRICS_JSON, METRICS_CSV, BY_REGIME_CSV, RunFiles.INDEX),
            Figures.NAMES.stream().flatMap(f -> Stream.of(f + ".png", f + ".svg"))).collect(Collectors.toUnmodifiableSet());

    /** Every name a report writes: its figures, tables and page, and an interrupted write's temporary file. */
    private static final String REPORT_FILES = "[\\w.-]+\\.(png|svg)|metrics(-by-regime)?\\.csv|metrics\\.json|index\\.html|\\..+\\.tmp";

    /** What a write produced: the runs read, the files written (index.html last) and the warnings. */
    public record Result(Path outDir, List<RunData> runs, List<Path> files, List<String> warnings) {}

    private Report() {}

    /**
     * Reads the runs (run directories, or sweep directories: see {@link RunPlan#discover}) and writes
     * the report into outDir, created if needed.
     */
    public static Result write(List<Path> runDirs, Path outDir) throws IOException {
        List<String> warnings = new ArrayList<>();
        List<RunData> runs = new ArrayList<>();
        for (Path dir : RunPlan.discover(runDirs, false)) {
            if (!Files.isRegularFile(dir.resolve(RunFiles.RUN))) {
                warnings.add(dir + ": listed but has no run.json (not begun, or its run.json lost), skipped");
                continue;
            }
            runs.add(RunReader.read(dir, warnings));
        }
        runs = Regimes.split(runs, warnings);
        List<MetricTable.Row> rows = MetricTable.rows(runs);
        List<MetricTable.Aggregate> aggregates = MetricTable.aggregates(rows);
        Map<String, TreeMap<Integer, Histogram>> hists = Figures.pooledHistograms(runs);
        List<Figure> figures = Figures.build(hists, aggregates);

        checkOutDir(outDir);
        Files.createDirectories(outDir);
        List<Path> files = new ArrayList<>();
        // metrics.json first: it marks the folder as a report's, so one cut short by a kill is replaced
        // by the next write instead of refused as a folder of the user's.
        files.add(put(outDir.resolve(METRICS_JSON), ConfigLoader.JSON.writeValueAsBytes(json(runs, rows, aggregates, hists, warnings))));
        Map<Figure, byte[]> pngs = new IdentityHashMap<>();
        for (Figure f : figures) {
            byte[] png = f.png();
            pngs.put(f, png);
            files.add(put(outDir.resolve(f.name() + ".png"), png));
            files.add(put(outDir.resolve(f.name() + ".svg"), f.svg()));
        }
        files.add(put(outDir.resolve(METRICS_CSV), rowsCsv(rows).getBytes(StandardCharsets.UTF_8)));
        files.add(put(outDir.resolve(BY_REGIME_CSV), aggregatesCsv(aggregates).getBytes(StandardCharsets.UTF_8)));
        String html = HtmlPage.render(runs, rows, aggregates, figures, pngs, warnings);
        files.add(put(outDir.resolve(RunFiles.INDEX), html.getBytes(StandardCharsets.UTF_8)));
        return new Result(outDir, runs, files, warnings);
    }

    /**
     * Refuses to write into a folder of the user's: an existing one must be empty, or an earlier
     * report (its metrics.json there, and only the names a report writes), whose files are replaced.
     * A run's or sweep's own report/ holding only the names this version writes is one too, without metrics.json:
     * collapse 0.3.3 wrote that last, so a kill among the figures left such a folder, which every
     * later start of the run refused.
     */
    public static void checkOutDir(Path outDir) throws IOException {
        if (Files.notExists(outDir)) {
            return;
        }
        if (!Files.isDirectory(outDir)) {
            throw new IOException(outDir + ": exists and is not a folder; expected a new or empty folder, or a report to replace");
        }
        List<String> names = AtomicFiles.names(outDir);
        List<String> foreign = names.stream().filter(n -> !n.matches(REPORT_FILES)).toList();
        if (!names.isEmpty() && (!foreign.isEmpty() || !(isReportsMetrics(outDir.resolve(METRICS_JSON)) || cutShort(outDir, names)))) {
            List<String> shown = foreign.isEmpty() ? names : foreign;
            throw new IOException(outDir + ": holds " + ErrorLines.names(shown) + " and is not a report folder;"
                    + " expected a new or empty folder, or a report to replace");
        }
    }

    /** Whether {@code file} is a metrics.json a report wrote (its histogram_bins), not a file of the user's by that name. */
    private static boolean isReportsMetrics(Path file) {
        try {
            return RegularFiles.isPresent(file) && ConfigLoader.JSON.readTree(file.toFile()).has("histogram_bins");
        } catch (IOException e) {
            return false; // unreadable: not one of ours to replace
        }
    }

    /** A run's or sweep's own report/ holding only names this version writes: a first write a kill cut short. */
    private static boolean cutShort(Path outDir, List<String> names) {
        Path parent = outDir.toAbsolutePath().getParent();
        return RunFiles.REPORT.equals(String.valueOf(outDir.getFileName())) && parent != null
                && (Files.isRegularFile(parent.resolve(RunFiles.RUN)) || Files.isRegularFile(parent.resolve(RunFiles.SWEEP)))
                && names.stream().allMatch(n -> WRITTEN.contains(n) || AtomicFiles.isLeftover(outDir.resolve(n)));
    }

    private static Path put(Path file, byte[] bytes) throws IOException {
        AtomicFiles.writeBytes(file, bytes);
        return file;
    }

    /** One line per run and generation (generation -1: the real-data baseline); an unknown value is empty. */
    static String rowsCsv(List<MetricTable.Row> rows) {
        StringBuilder s = new StringBuilder("run,regime,seed,generation,label");
        for (MetricTable.Column c : MetricTable.COLUMNS) {
            s.append(',').append(c.key());
        }
        s.append('\n');
        for (MetricTable.Row r : rows) {
            s.append(csv(r.run())).append(',').append(csv(r.regime())).append(',')
                    .append(r.seed() == null ? "" : r.seed().toString()).append(',').append(r.generation()).append(',')
                    .append(csv(r.label()));
            for (double v : r.values()) {
                s.append(',').append(number(v));
            }
            s.append('\n');
        }
        return s.toString();
    }

    static String aggregatesCsv(List<MetricTable.Aggregate> aggregates) {
        StringBuilder s = new StringBuilder("regime,generation,label,metric,n,mean,std,min,max\n");
        for (MetricTable.Aggregate a : aggregates) {
            s.append(csv(a.regime())).append(',').append(a.generation()).append(',').append(csv(MetricTable.label(a.generation())))
                    .append(',').append(a.key()).append(',').append(a.n()).append(',').append(number(a.mean()))
                    .append(',').append(number(a.std())).append(',').append(number(a.min())).append(',')
                    .append(number(a.max())).append('\n');
        }
        return s.toString();
    }

    private static ObjectNode json(List<RunData> runs, List<MetricTable.Row> rows, List<MetricTable.Aggregate> aggregates,
            Map<String, TreeMap<Integer, Histogram>> hists, List<String> warnings) {
        ObjectNode root = ConfigLoader.JSON.createObjectNode();
        root.put("format", 1);
        root.put("reference", "collapse measures compare each generation with the same run's gen-00/corpus-ppl.f32"
                + " (the corpus written by the generation-0 model, scored by it); generation -1 is the real-data baseline"
                + " gen-00/real-ppl.f32, compared with the same reference");
        ObjectNode bins = root.putObject("histogram_bins");
        bins.put("axis", "log10(per-sequence perplexity)");
        bins.put("min", Histogram.LOG10_MIN);
        bins.put("max", Histogram.LOG10_MAX);
        bins.put("width", Histogram.BIN_WIDTH);
        bins.put("count", Histogram.BINS);
        bins.put("kl_smoothing", Metrics.KL_SMOOTHING);
        ArrayNode cols = root.putArray("columns");
        for (MetricTable.Column c : MetricTable.COLUMNS) {
            cols.addObject().put("key", c.key()).put("title", c.title()).put("definition", c.definition());
        }
        putRuns(root.putArray("runs"), runs);
        putRows(root.putArray("rows"), rows);
        putAggregates(root.putArray("by_regime"), aggregates);
        ArrayNode pooled = root.putArray("pooled_histograms");
        hists.forEach((regime, byGen) -> byGen.forEach((g, h) ->
                histogram(pooled.addObject().put("regime", regime).put("generation", g), h)));
        ArrayNode warn = root.putArray("warnings");
        warnings.forEach(warn::add);
        return root;
    }

    /** Per run: its names, state, generations and the histograms of its perplexity files. */
    private static void putRuns(ArrayNode runArr, List<RunData> runs) {
        for (RunData r : runs) {
            ObjectNode o = runArr.addObject().put("name", r.name()).put("regime", r.regime()).put("dir", r.dir().toString())
                    .put("state", r.state()).put("seed", r.seed()); // seed: null where run.json did not say
            ArrayNode gens = o.putArray("generations");
            r.generations().forEach(g -> gens.add(g.generation()));
            ArrayNode perRun = o.putArray("histograms");
            if (r.realPpl() != null) {
                histogram(perRun.addObject().put("generation", MetricTable.REAL), Histogram.of(r.realPpl()));
            }
            for (RunData.Generation g : r.generations()) {
                if (g.corpusPpl() != null) {
                    histogram(perRun.addObject().put("generation", g.generation()), Histogram.of(g.corpusPpl()));
                }
            }
        }
    }

    /** One object a table row: a run's generation and every column's value. */
    private static void putRows(ArrayNode rowArr, List<MetricTable.Row> rows) {
        for (MetricTable.Row r : rows) {
            ObjectNode o = rowArr.addObject().put("run", r.run()).put("regime", r.regime()).put("seed", r.seed())
                    .put("generation", r.generation()).put("label", r.label());
            for (int i = 0; i < r.values().length; i++) {
                value(o, MetricTable.COLUMNS.get(i).key(), r.values()[i]);
            }
        }
    }

    /** Each regime's mean, std, min and max of every column per generation, over its seeds. */
    private static void putAggregates(ArrayNode aggArr, List<MetricTable.Aggregate> aggregates) {
        for (MetricTable.Aggregate a : aggregates) {
            ObjectNode o = aggArr.addObject().put("regime", a.regime()).put("generation", a.generation())
                    .put("metric", a.key()).put("n", a.n());
            value(o, "mean", a.mean());
            value(o, "std", a.std());
            value(o, "min", a.min());
            value(o, "max", a.max());
        }
    }

    private static void histogram(ObjectNode o, Histogram h) {
        o.put("sequences", h.total());
        ArrayNode counts = o.putArray("counts");
        for (long c : h.counts()) {
            counts.add(c);
        }
    }

    private static void value(ObjectNode o, String key, double v) {
        if (Double.isNaN(v)) {
            o.putNull(key);
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            o.put(key, (long) v);
        } else {
            o.put(key, v);
        }
    }

    private static String number(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.6g", v).trim();
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
