package io.collapse.report;

import io.collapse.pipeline.GenerationRecord;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The self-contained index.html: figures as base64 PNG images (at twice their displayed size; the
 * SVGs, with text as glyph outlines, are ten times larger and are linked instead), inline CSS, no
 * script, nothing fetched.
 */
final class HtmlPage {

    private static final String CSS = """
            body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 24px auto;
                   max-width: 1400px; padding: 0 16px; color: #222; line-height: 1.4; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
            figure { margin: 1em 0 2em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
            figcaption { color: #555; font-size: 0.92em; margin-top: 0.3em; }
            figcaption .files a { margin-right: 0.6em; }
            .scroll { overflow-x: auto; }
            table { border-collapse: collapse; font-size: 0.88em; margin: 0.6em 0; }
            th, td { border: 1px solid #ddd; padding: 3px 7px; vertical-align: top; }
            th { background: #f4f4f4; text-align: left; }
            td { white-space: nowrap; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            td.text { white-space: pre-wrap; max-width: 900px; font-family: Georgia, "DejaVu Serif", serif; }
            .warn { color: #8a4b00; } .muted { color: #777; }
            blockquote { margin: 0.5em 0; padding: 0.4em 0.8em; background: #f7f7f7; border-left: 3px solid #bbb;
                         white-space: pre-wrap; font-family: Georgia, "DejaVu Serif", serif; }
            dt { font-weight: bold; margin-top: 0.4em; } dd { margin-left: 1.5em; }
            """;

    private static final List<String> TABLE_MEASURES = List.of(
            "ppl_median", "share_above_ref_p95", "share_above_ref_p99", "share_below_ref_p05", "w1_log10_ppl", "kl_nats",
            "distinct_1", "distinct_2", "distinct_3", "unigram_entropy_bits", "vocabulary_coverage",
            "repeated_4gram_rate");

    private HtmlPage() {}

    static String render(List<RunData> runs, List<MetricTable.Row> rows, List<MetricTable.Aggregate> aggregates,
            List<Figure> figures, Map<Figure, byte[]> pngs, List<String> warnings) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>collapse report</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<h1>Model collapse report</h1>\n<p class=\"muted\">Per-sequence perplexities of each generation's"
                + " data scored by the generation-0 model, test perplexity and collapse measures per generation, for "
                + runs.size() + " run(s). Every number is also in <a href=\"metrics.csv\">metrics.csv</a>,"
                + " <a href=\"metrics-by-regime.csv\">metrics-by-regime.csv</a> and <a href=\"metrics.json\">metrics.json</a>.</p>\n");
        runs(h, runs, warnings);
        figures(h, figures, pngs);
        testPerplexity(h, aggregates);
        collapseMeasures(h, aggregates);
        everyRun(h, rows);
        samples(h, runs);
        definitions(h);
        return h.toString();
    }

    private static void runs(StringBuilder h, List<RunData> runs, List<String> warnings) {
        h.append("<h2>Runs</h2>\n");
        List<List<String>> runRows = new ArrayList<>();
        for (RunData r : runs) {
            runRows.add(List.of(r.name(), r.regime(), r.seed() == null ? "–" : r.seed().toString(), r.state(),
                    generationsPresent(r), r.realPpl() == null ? "no" : "yes (" + r.realPpl().length + ")",
                    r.dir().toString()));
        }
        table(h, List.of("run", "regime", "seed", "state", "generations", "real-data baseline", "directory"), runRows,
                Set.of(2));
        if (!warnings.isEmpty()) {
            h.append("<h2>Warnings</h2>\n<ul class=\"warn\">\n");
            for (String w : warnings) {
                h.append("<li>").append(esc(w)).append("</li>\n");
            }
            h.append("</ul>\n");
        }
    }

    private static void figures(StringBuilder h, List<Figure> figures, Map<Figure, byte[]> pngs) {
        h.append("<h2>Figures</h2>\n");
        for (Figure f : figures) {
            h.append("<figure id=\"").append(f.name()).append("\">\n<img class=\"figure\" alt=\"").append(esc(f.title()))
                    .append("\" width=\"").append(f.width()).append("\" height=\"").append(f.height())
                    .append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(pngs.get(f))).append("\">\n<figcaption><b>")
                    .append(esc(f.title())).append(".</b> ").append(esc(f.caption()))
                    .append(" <span class=\"files\"><a href=\"").append(f.name()).append(".png\">PNG</a><a href=\"")
                    .append(f.name()).append(".svg\">SVG</a></span></figcaption>\n</figure>\n");
        }
    }

    private static void testPerplexity(StringBuilder h, List<MetricTable.Aggregate> aggregates) {
        h.append("<h2>Test perplexity</h2>\n<p>wikitext-2 test perplexity of each generation's model: mean ± sample std"
                + " over seeds [min – max], n = seeds with a value. <b>corpus ppl = exp(mean token NLL)</b>;"
                + " <b>mean batch ppl (released code)</b> = mean over batches of exp(batch mean loss).</p>\n");
        List<List<String>> pplRows = new ArrayList<>();
        for (var e : byRegimeGeneration(aggregates).entrySet()) {
            for (var g : e.getValue().entrySet()) {
                if (g.getKey() == MetricTable.REAL) {
                    continue;
                }
                Map<String, MetricTable.Aggregate> m = g.getValue();
                if (!m.containsKey("test_corpus_ppl") && !m.containsKey("test_mean_batch_ppl")) {
                    continue;
                }
                pplRows.add(List.of(e.getKey(), MetricTable.label(g.getKey()), spread(m.get("test_corpus_ppl")),
                        spread(m.get("test_mean_batch_ppl")), spread(m.get("test_loss")),
                        m.containsKey("test_corpus_ppl") ? Integer.toString(m.get("test_corpus_ppl").n()) : "0"));
            }
        }
        if (pplRows.isEmpty()) {
            h.append("<p class=\"muted\">No eval.json with test numbers yet.</p>\n");
        } else {
            table(h, List.of("regime", "generation", "corpus ppl = exp(mean token NLL)", "mean batch ppl (released code)",
                    "test loss (nats)", "n"), pplRows, Set.of(2, 3, 4, 5));
        }
    }

    private static void collapseMeasures(StringBuilder h, List<MetricTable.Aggregate> aggregates) {
        h.append("<h2>Collapse measures</h2>\n<p>Mean over seeds (± sample std when more than one). Reference: each"
                + " run's own generation-0 corpus (<code>gen-00/corpus-ppl.f32</code>); the real-data row compares the"
                + " original training blocks with that same reference.</p>\n");
        List<String> head = new ArrayList<>(List.of("regime", "data"));
        List<Integer> numeric = new ArrayList<>();
        for (String k : TABLE_MEASURES) {
            numeric.add(head.size());
            head.add(MetricTable.COLUMNS.get(MetricTable.index(k)).title());
        }
        List<List<String>> measureRows = new ArrayList<>();
        for (var e : byRegimeGeneration(aggregates).entrySet()) {
            for (var g : e.getValue().entrySet()) {
                List<String> row = new ArrayList<>(List.of(e.getKey(), MetricTable.label(g.getKey())));
                for (String k : TABLE_MEASURES) {
                    MetricTable.Aggregate a = g.getValue().get(k);
                    row.add(a == null ? "–" : a.n() > 1 ? num(a.mean()) + " ± " + num(a.std()) : num(a.mean()));
                }
                measureRows.add(row);
            }
        }
        h.append("<div class=\"scroll\">\n");
        table(h, head, measureRows, Set.copyOf(numeric));
        h.append("</div>\n");
    }

    private static void everyRun(StringBuilder h, List<MetricTable.Row> rows) {
        h.append("<h3>Every run</h3>\n<div class=\"scroll\">\n");
        List<String> allHead = new ArrayList<>(List.of("run", "regime", "seed", "data"));
        List<Integer> allNumeric = new ArrayList<>(List.of(2));
        for (MetricTable.Column c : MetricTable.COLUMNS) {
            allNumeric.add(allHead.size());
            allHead.add(c.title());
        }
        List<List<String>> allRows = new ArrayList<>();
        for (MetricTable.Row r : rows) {
            List<String> row = new ArrayList<>(List.of(r.run(), r.regime(),
                    r.seed() == null ? "–" : r.seed().toString(), r.label()));
            for (double v : r.values()) {
                row.add(num(v));
            }
            allRows.add(row);
        }
        table(h, allHead, allRows, Set.copyOf(allNumeric));
        h.append("</div>\n");
    }

    private static void definitions(StringBuilder h) {
        h.append("<h2>Definitions</h2>\n<dl>\n");
        for (MetricTable.Column c : MetricTable.COLUMNS) {
            h.append("<dt>").append(esc(c.title())).append(" <code>").append(c.key()).append("</code></dt><dd>")
                    .append(esc(c.definition())).append("</dd>\n");
        }
        h.append("<dt>histograms</dt><dd>bins of ").append(Histogram.BIN_WIDTH).append(" in log10(perplexity) on [")
                .append(Histogram.LOG10_MIN).append(", ").append(Histogram.LOG10_MAX).append("), shared by every run;"
                + " a perplexity above 10^5 is counted in the last bin. Figures pool the seeds of a regime.</dd>\n");
        h.append("<dt>n-grams</dt><dd>over the token ids of each 64-token corpus block; an n-gram never crosses two"
                + " blocks.</dd>\n</dl>\n</body>\n</html>\n");
    }

    /** Per regime, one table of "generation → continuation" for each prompt, from the regime's lowest-seed run. */
    private static void samples(StringBuilder h, List<RunData> runs) {
        h.append("<h2>Samples</h2>\n<p>The same prompt continued by the model of every generation (from each"
                + " generation's eval.json), as in the paper's Example 1; one run per regime (lowest seed).</p>\n");
        Map<String, RunData> first = new LinkedHashMap<>();
        runs.stream()
                .sorted(Comparator.comparing((RunData r) -> r.seed() == null ? Integer.MAX_VALUE : r.seed())
                        .thenComparing(RunData::name))
                .forEach(r -> first.putIfAbsent(r.regime(), r));
        boolean any = false;
        for (RunData run : first.values()) {
            TreeMap<Integer, String> prompts = new TreeMap<>();
            for (RunData.Generation g : run.generations()) {
                if (g.eval() != null) {
                    g.eval().samples().forEach(s -> prompts.putIfAbsent(s.promptIndex(), s.prompt()));
                }
            }
            for (var p : prompts.entrySet()) {
                any = true;
                h.append("<h3>regime ").append(esc(run.regime())).append(" · run ").append(esc(run.name()))
                        .append(" · prompt ").append(p.getKey()).append("</h3>\n<blockquote>").append(esc(p.getValue()))
                        .append("</blockquote>\n");
                List<List<String>> rows = new ArrayList<>();
                for (RunData.Generation g : run.generations()) {
                    if (g.eval() == null) {
                        continue;
                    }
                    for (GenerationRecord.Sample s : g.eval().samples()) {
                        if (s.promptIndex() == p.getKey()) {
                            rows.add(List.of(MetricTable.label(g.generation()),
                                    s.continuation().isBlank() ? "(empty continuation)" : s.continuation()));
                        }
                    }
                }
                table(h, List.of("generation", "continuation"), rows, Set.of(), 1);
            }
        }
        if (!any) {
            h.append("<p class=\"muted\">No samples in any eval.json yet.</p>\n");
        }
    }

    private static String generationsPresent(RunData r) {
        if (r.generations().isEmpty()) {
            return "none yet";
        }
        TreeSet<Integer> gens = new TreeSet<>();
        r.generations().forEach(g -> gens.add(g.generation()));
        return gens.size() == gens.last() - gens.first() + 1
                ? gens.first() + "–" + gens.last()
                : gens.toString();
    }

    private static Map<String, TreeMap<Integer, Map<String, MetricTable.Aggregate>>> byRegimeGeneration(
            List<MetricTable.Aggregate> aggregates) {
        Map<String, TreeMap<Integer, Map<String, MetricTable.Aggregate>>> out = new LinkedHashMap<>();
        for (MetricTable.Aggregate a : aggregates) {
            out.computeIfAbsent(a.regime(), k -> new TreeMap<>())
                    .computeIfAbsent(a.generation(), k -> new LinkedHashMap<>())
                    .put(a.key(), a);
        }
        return out;
    }

    private static String spread(MetricTable.Aggregate a) {
        if (a == null) {
            return "–";
        }
        return a.n() > 1
                ? num(a.mean()) + " ± " + num(a.std()) + " [" + num(a.min()) + " – " + num(a.max()) + "]"
                : num(a.mean());
    }

    private static void table(StringBuilder h, List<String> head, List<List<String>> rows, Set<Integer> numeric) {
        table(h, head, rows, numeric, -1);
    }

    private static void table(StringBuilder h, List<String> head, List<List<String>> rows, Set<Integer> numeric, int textColumn) {
        h.append("<table>\n<thead><tr>");
        for (String c : head) {
            h.append("<th>").append(esc(c)).append("</th>");
        }
        h.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : rows) {
            h.append("<tr>");
            for (int i = 0; i < row.size(); i++) {
                String cls = i == textColumn ? " class=\"text\"" : numeric.contains(i) ? " class=\"num\"" : "";
                h.append("<td").append(cls).append(">").append(esc(row.get(i))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    /** A number for a table: "–" when unknown, integers whole, otherwise 4 significant-ish digits. */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        double a = Math.abs(v);
        String pattern = a >= 100 ? "%.1f" : a >= 1 ? "%.3f" : a >= 0.001 ? "%.4f" : "%.2e";
        return String.format(Locale.ROOT, pattern, v);
    }

    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
