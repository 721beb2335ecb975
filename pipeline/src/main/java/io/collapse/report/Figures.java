package io.collapse.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Builds the report's figures from the runs and their metric table. */
final class Figures {

    /** The figures' file names (each written as .png and .svg), which a report folder may hold. */
    static final String OVERLAID = "ppl-histograms";
    static final String MULTIPLES = "ppl-histograms-multiples";
    static final String TEST_PERPLEXITY = "test-perplexity";
    static final String COLLAPSE_MEASURES = "collapse-measures";
    static final List<String> NAMES = List.of(OVERLAID, MULTIPLES, TEST_PERPLEXITY, COLLAPSE_MEASURES);


    private static final Color REAL_COLOR = Color.BLACK;
    private static final Color REF_COLOR = new Color(120, 120, 120);
    /** Early generations blue, late ones red (a perceptually even-ish ramp through purple). */
    private static final Color[] RAMP = {
        new Color(33, 102, 172), new Color(103, 169, 207), new Color(153, 112, 171), new Color(239, 138, 98),
        new Color(178, 24, 43)
    };
    private static final Color[] REGIME_COLORS = {
        new Color(31, 119, 180), new Color(214, 39, 40), new Color(44, 160, 44), new Color(148, 103, 189),
        new Color(255, 127, 14), new Color(140, 86, 75)
    };
    private static final String[] MEASURES = {
        "share_above_ref_p95", "share_above_ref_p99", "share_below_ref_p05", "w1_log10_ppl", "kl_nats",
        "distinct_1", "distinct_2", "distinct_3", "unigram_entropy_bits", "vocabulary_coverage", "repeated_4gram_rate"
    };

    private Figures() {}

    /** Pooled (over seeds) histograms per regime and generation; generation {@link MetricTable#REAL} is the real data. */
    static Map<String, TreeMap<Integer, Histogram>> pooledHistograms(List<RunData> runs) {
        Map<String, TreeMap<Integer, List<Histogram>>> parts = new LinkedHashMap<>();
        for (RunData run : runs) {
            TreeMap<Integer, List<Histogram>> byGen = parts.computeIfAbsent(run.regime(), k -> new TreeMap<>());
            if (run.realPpl() != null) {
                byGen.computeIfAbsent(MetricTable.REAL, k -> new ArrayList<>()).add(Histogram.of(run.realPpl()));
            }
            for (RunData.Generation g : run.generations()) {
                if (g.corpusPpl() != null) {
                    byGen.computeIfAbsent(g.generation(), k -> new ArrayList<>()).add(Histogram.of(g.corpusPpl()));
                }
            }
        }
        Map<String, TreeMap<Integer, Histogram>> out = new LinkedHashMap<>();
        parts.forEach((regime, byGen) -> {
            TreeMap<Integer, Histogram> pooled = new TreeMap<>();
            byGen.forEach((g, hs) -> pooled.put(g, Histogram.sum(hs)));
            if (!pooled.isEmpty()) {
                out.put(regime, pooled);
            }
        });
        return out;
    }

    static List<Figure> build(Map<String, TreeMap<Integer, Histogram>> hists, List<MetricTable.Aggregate> aggregates) {
        List<Figure> figures = new ArrayList<>();
        if (!hists.isEmpty()) {
            figures.add(overlay(hists));
            figures.add(smallMultiples(hists));
        }
        Figure testPpl = testPerplexity(aggregates);
        if (testPpl != null) {
            figures.add(testPpl);
        }
        Figure measures = collapseMeasures(aggregates);
        if (measures != null) {
            figures.add(measures);
        }
        return figures;
    }

    private static Figure overlay(Map<String, TreeMap<Integer, Histogram>> hists) {
        int[] range = occupiedBins(hists);
        int lastGen = lastGeneration(hists);
        List<XYChart> panels = new ArrayList<>();
        for (var e : hists.entrySet()) {
            XYChart chart = histogramChart("regime " + e.getKey(), 640, 420, range);
            chart.getStyler().setLegendVisible(true);
            e.getValue().forEach((g, h) -> {
                XYSeries s = chart.addSeries(MetricTable.label(g) + " (n=" + h.total() + ")", centres(range), slice(h.density(), range));
                s.setMarker(SeriesMarkers.NONE);
                s.setLineColor(g == MetricTable.REAL ? REAL_COLOR : generationColor(g, lastGen));
                s.setLineStyle(g == MetricTable.REAL
                        ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f)
                        : new BasicStroke(1.8f));
            });
            panels.add(chart);
        }
        return new Figure(OVERLAID, "Per-sequence perplexity of each generation's data, overlaid",
                "Density of per-sequence perplexity (scored by the generation-0 model) of the corpus each generation wrote,"
                        + " pooled over seeds; x axis logarithmic (bins of 0.05 in log10 ppl). Dashed black: the real"
                        + " training data (gen-00/real-ppl.f32). Blue → red: generation 0 → last.",
                Math.min(2, panels.size()), 640, 420, panels);
    }

    private static Figure smallMultiples(Map<String, TreeMap<Integer, Histogram>> hists) {
        int[] range = occupiedBins(hists);
        int lastGen = lastGeneration(hists);
        double yMax = 0;
        int columns = 1;
        for (TreeMap<Integer, Histogram> byGen : hists.values()) {
            columns = Math.max(columns, Math.min(6, byGen.size()));
            for (Histogram h : byGen.values()) {
                for (double d : slice(h.density(), range)) {
                    yMax = Math.max(yMax, d);
                }
            }
        }
        List<XYChart> panels = new ArrayList<>();
        for (var e : hists.entrySet()) {
            Histogram gen0 = e.getValue().get(0);
            int inRow = 0;
            for (var g : e.getValue().entrySet()) {
                XYChart chart = histogramChart(e.getKey() + " · " + MetricTable.label(g.getKey()) + " (n=" + g.getValue().total() + ")",
                        260, 200, range);
                chart.getStyler().setYAxisMax(yMax * 1.05);
                chart.getStyler().setYAxisMin(0.0);
                XYSeries s = chart.addSeries(MetricTable.label(g.getKey()), centres(range), slice(g.getValue().density(), range));
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.StepArea);
                s.setMarker(SeriesMarkers.NONE);
                Color c = g.getKey() == MetricTable.REAL ? REAL_COLOR : generationColor(g.getKey(), lastGen);
                s.setLineColor(c);
                s.setFillColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 110));
                if (gen0 != null && g.getKey() != 0) {
                    XYSeries ref = chart.addSeries("gen 0", centres(range), slice(gen0.density(), range));
                    ref.setMarker(SeriesMarkers.NONE);
                    ref.setLineColor(REF_COLOR);
                    ref.setLineStyle(new BasicStroke(1f));
                }
                panels.add(chart);
                inRow++;
            }
            // Each regime starts a new row of the grid.
            while (inRow % columns != 0) {
                panels.add(null);
                inRow++;
            }
        }
        return new Figure(MULTIPLES, "Per-sequence perplexity, one panel per generation",
                "One panel per regime (rows) and data set (real data, then generation 0, 1, …), same axes everywhere."
                        + " Grey line: the regime's generation-0 corpus, for reference.",
                columns, 260, 200, panels);
    }

    private static Figure testPerplexity(List<MetricTable.Aggregate> aggregates) {
        List<XYChart> panels = curvePanels(aggregates, List.of("test_corpus_ppl", "test_mean_batch_ppl"),
                key -> key.equals("test_corpus_ppl") ? "corpus ppl = exp(mean token NLL)" : "mean batch ppl (released code)",
                "test perplexity");
        return panels.isEmpty() ? null : new Figure(TEST_PERPLEXITY, "Test perplexity per generation",
                "wikitext-2 test perplexity of each generation's model, both definitions; mean over seeds, error bars ±1 std"
                        + " (sample std; none with one seed). Tables give min and max.",
                2, 560, 400, panels);
    }

    private static Figure collapseMeasures(List<MetricTable.Aggregate> aggregates) {
        List<XYChart> panels = curvePanels(aggregates, List.of(MEASURES),
                key -> MetricTable.COLUMNS.get(MetricTable.index(key)).title(), null);
        return panels.isEmpty() ? null : new Figure(COLLAPSE_MEASURES, "Collapse measures per generation",
                "Each generation's corpus against the same run's generation-0 corpus (percentile shares, W1, KL) and its"
                        + " token statistics; mean over seeds per regime, error bars ±1 std. Definitions below.",
                4, 340, 280, panels);
    }

    /** A curve chart per key, titled {@code title(key)}, for the keys some regime has values of. */
    private static List<XYChart> curvePanels(List<MetricTable.Aggregate> aggregates, List<String> keys,
            Function<String, String> title, String yTitle) {
        List<XYChart> panels = new ArrayList<>();
        for (String key : keys) {
            XYChart chart = curveChart(title.apply(key), yTitle);
            if (addRegimeCurves(chart, aggregates, key)) {
                panels.add(chart);
            }
        }
        return panels;
    }

    /** One series per regime: mean over seeds by generation, ±std error bars; false when no regime has a value. */
    private static boolean addRegimeCurves(XYChart chart, List<MetricTable.Aggregate> aggregates, String key) {
        Map<String, List<MetricTable.Aggregate>> byRegime = new LinkedHashMap<>();
        for (MetricTable.Aggregate a : aggregates) {
            if (a.key().equals(key) && a.generation() != MetricTable.REAL) {
                byRegime.computeIfAbsent(a.regime(), k -> new ArrayList<>()).add(a);
            }
        }
        int i = 0;
        for (var e : byRegime.entrySet()) {
            List<MetricTable.Aggregate> pts = e.getValue();
            double[] x = pts.stream().mapToDouble(MetricTable.Aggregate::generation).toArray();
            double[] y = pts.stream().mapToDouble(MetricTable.Aggregate::mean).toArray();
            double[] err = pts.stream().mapToDouble(MetricTable.Aggregate::std).toArray();
            XYSeries s = chart.addSeries("regime " + e.getKey(), x, y, err);
            Color c = REGIME_COLORS[i++ % REGIME_COLORS.length];
            s.setLineColor(c);
            s.setMarkerColor(c);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        return !byRegime.isEmpty();
    }

    private static XYChart histogramChart(String title, int w, int h, int[] range) {
        XYChart chart = new XYChartBuilder().width(w).height(h).title(title)
                .xAxisTitle("per-sequence perplexity (log scale)").yAxisTitle("density per log10 unit").build();
        style(chart);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setXAxisMin(Math.pow(10, Histogram.lowerEdge(range[0])));
        chart.getStyler().setXAxisMax(Math.pow(10, Histogram.lowerEdge(range[1] + 1)));
        chart.getStyler().setLegendVisible(false);
        return chart;
    }

    private static XYChart curveChart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(340).height(280).title(title)
                .xAxisTitle("generation").yAxisTitle(yTitle == null ? "" : yTitle).build();
        style(chart);
        // Generations are whole numbers; XChart may put ticks between them.
        chart.getStyler().setxAxisTickLabelsFormattingFunction(x -> x == Math.rint(x) ? Long.toString(Math.round(x)) : "");
        chart.getStyler().setYAxisDecimalPattern("#,##0.####");
        chart.getStyler().setErrorBarsColorSeriesColor(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        return chart;
    }

    private static void style(XYChart chart) {
        Styler st = chart.getStyler();
        st.setChartBackgroundColor(Color.WHITE);
        st.setPlotBackgroundColor(Color.WHITE);
        st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        st.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        st.setLegendBorderColor(new Color(200, 200, 200));
        st.setChartTitleBoxVisible(false);
        chart.getStyler().setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        chart.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        chart.getStyler().setPlotGridLinesColor(new Color(230, 230, 230));
        chart.getStyler().setPlotBorderColor(new Color(180, 180, 180));
        chart.getStyler().setChartPadding(8);
    }

    private static Color generationColor(int g, int lastGen) {
        double t = lastGen <= 0 ? 0 : (double) g / lastGen * (RAMP.length - 1);
        int i = Math.min(RAMP.length - 2, (int) Math.floor(t));
        double f = t - i;
        Color a = RAMP[i];
        Color b = RAMP[i + 1];
        return new Color(
                (int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
    }

    private static int lastGeneration(Map<String, TreeMap<Integer, Histogram>> hists) {
        int last = 0;
        for (TreeMap<Integer, Histogram> byGen : hists.values()) {
            last = Math.max(last, byGen.lastKey());
        }
        return last;
    }

    /** First and last bin with any count over all histograms, widened by one bin each side. */
    private static int[] occupiedBins(Map<String, TreeMap<Integer, Histogram>> hists) {
        int lo = Histogram.BINS - 1;
        int hi = 0;
        for (TreeMap<Integer, Histogram> byGen : hists.values()) {
            for (Histogram h : byGen.values()) {
                for (int i = 0; i < Histogram.BINS; i++) {
                    if (h.counts()[i] > 0) {
                        lo = Math.min(lo, i);
                        hi = Math.max(hi, i);
                    }
                }
            }
        }
        if (lo > hi) {
            return new int[] {0, Histogram.BINS - 1};
        }
        return new int[] {Math.max(0, lo - 1), Math.min(Histogram.BINS - 1, hi + 1)};
    }

    /** Bin centres of bins range[0]..range[1], as perplexities (the axis is logarithmic). */
    private static double[] centres(int[] range) {
        double[] x = new double[range[1] - range[0] + 1];
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.pow(10, Histogram.lowerEdge(range[0] + i) + Histogram.BIN_WIDTH / 2);
        }
        return x;
    }

    private static double[] slice(double[] values, int[] range) {
        double[] out = new double[range[1] - range[0] + 1];
        System.arraycopy(values, range[0], out, 0, out.length);
        return out;
    }
}
