package io.collapse.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every number of the report: one row per run and generation (plus one for the run's real-data
 * baseline, generation -1), and per regime the mean, spread and range over seeds.
 *
 * <p>Reference distribution: the collapse measures compare each generation with <em>the same
 * run's generation-0 corpus</em> ({@code gen-00/corpus-ppl.f32}: the text the generation-0 model
 * wrote, scored by it), as the paper's histograms do. The real-data baseline
 * ({@code gen-00/real-ppl.f32}) is reported as its own row against the same reference.
 */
public final class MetricTable {

    /** Generation number of the real-data baseline row. */
    public static final int REAL = -1;

    /** A column: its key in CSV/JSON, a short title for tables and figures, and its definition. */
    public record Column(String key, String title, String definition) {}

    public static final List<Column> COLUMNS = List.of(
            new Column("sequences", "sequences", "number of per-sequence perplexities (64-token blocks) scored"),
            new Column("ppl_median", "median ppl", "median per-sequence perplexity, scored by the generation-0 model"),
            new Column("ppl_mean", "mean ppl", "mean per-sequence perplexity, scored by the generation-0 model"),
            new Column("ppl_p05", "ppl p5", "5th percentile of per-sequence perplexity"),
            new Column("ppl_p95", "ppl p95", "95th percentile of per-sequence perplexity"),
            new Column("ppl_p99", "ppl p99", "99th percentile of per-sequence perplexity"),
            new Column("share_above_ref_p95", "share > gen-0 p95",
                    "share of sequences whose perplexity is above the 95th percentile of the run's gen-0 corpus"),
            new Column("share_above_ref_p99", "share > gen-0 p99",
                    "share of sequences whose perplexity is above the 99th percentile of the run's gen-0 corpus"),
            new Column("share_below_ref_p05", "share < gen-0 p5",
                    "share of sequences whose perplexity is below the 5th percentile of the run's gen-0 corpus"),
            new Column("w1_log10_ppl", "W1 (log10 ppl)",
                    "Wasserstein-1 distance between this and the gen-0 corpus's log10(perplexity) samples (exact, unbinned);"
                            + " times ln 10 = nats per token"),
            new Column("kl_nats", "KL (nats)",
                    "KL(this || gen-0 corpus) in nats on the shared histogram (log10 ppl, bins of 0.05 on [0, 5));"
                            + " +0.5 added to every bin non-empty in either"),
            new Column("distinct_1", "distinct-1", "distinct unigrams / total unigrams of the corpus token ids"),
            new Column("distinct_2", "distinct-2", "distinct bigrams / total bigrams (n-grams inside a block only)"),
            new Column("distinct_3", "distinct-3", "distinct trigrams / total trigrams (n-grams inside a block only)"),
            new Column("unigram_entropy_bits", "unigram entropy (bits)", "Shannon entropy of the token id frequencies, bits"),
            new Column("vocabulary_coverage", "vocabulary coverage", "number of distinct token ids in the corpus"),
            new Column("repeated_4gram_rate", "repeated 4-gram rate",
                    "share of 4-gram positions whose 4-gram occurs at least twice in the same block"),
            new Column("corpus_tokens", "corpus tokens", "token ids in the corpus"),
            new Column("test_loss", "test loss", "test mean token NLL of this generation's model (nats)"),
            new Column("test_corpus_ppl", "test corpus ppl", "corpus ppl = exp(mean token NLL) on wikitext-2 test"),
            new Column("test_mean_batch_ppl", "test mean batch ppl",
                    "mean batch ppl (released code): mean over batches of exp(batch mean loss), wikitext-2 test"),
            new Column("valid_corpus_ppl", "valid corpus ppl", "corpus ppl = exp(mean token NLL) on wikitext-2 validation"),
            new Column("valid_mean_batch_ppl", "valid mean batch ppl", "mean batch ppl (released code) on wikitext-2 validation"));

    /** One run's generation (or its real-data baseline, generation {@link #REAL}); values follow {@link #COLUMNS}, NaN if unknown. */
    public record Row(String run, String regime, Integer seed, int generation, double[] values) {
        public String label() {
            return MetricTable.label(generation);
        }

        public double get(String key) {
            return values[index(key)];
        }
    }

    /** Over the seeds of one regime: n runs with a value, their mean, sample std (0 for one run), min and max. */
    public record Aggregate(String regime, int generation, String key, int n, double mean, double std, double min, double max) {}

    private MetricTable() {}

    /** How tables, CSV and figures name a generation: "gen N", or "real data" for {@link #REAL}. */
    static String label(int generation) {
        return generation == REAL ? "real data" : "gen " + generation;
    }

    public static int index(String key) {
        for (int i = 0; i < COLUMNS.size(); i++) {
            if (COLUMNS.get(i).key().equals(key)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no metric column named " + key);
    }

    public static List<Row> rows(List<RunData> runs) {
        List<Row> rows = new ArrayList<>();
        for (RunData run : runs) {
            RunData.Generation g0 = run.generation(0);
            float[] ref = g0 == null ? null : g0.corpusPpl();
            if (run.realPpl() != null) {
                rows.add(row(run, REAL, run.realPpl(), ref, null, null));
            }
            for (RunData.Generation g : run.generations()) {
                rows.add(row(run, g.generation(), g.corpusPpl(), ref, g.tokens(), g.eval()));
            }
        }
        return rows;
    }

    private static Row row(RunData run, int generation, float[] ppl, float[] ref, RunData.TokenStats t, RunData.Eval e) {
        double[] v = new double[COLUMNS.size()];
        Arrays.fill(v, Double.NaN);
        if (ppl != null && ppl.length > 0) {
            put(v, "sequences", ppl.length);
            put(v, "ppl_median", Metrics.percentile(ppl, 50));
            double sum = 0;
            for (float p : ppl) {
                sum += p;
            }
            put(v, "ppl_mean", sum / ppl.length);
            put(v, "ppl_p05", Metrics.percentile(ppl, 5));
            put(v, "ppl_p95", Metrics.percentile(ppl, 95));
            put(v, "ppl_p99", Metrics.percentile(ppl, 99));
            if (ref != null && ref.length > 0) {
                put(v, "share_above_ref_p95", Metrics.shareAbove(ppl, Metrics.percentile(ref, 95)));
                put(v, "share_above_ref_p99", Metrics.shareAbove(ppl, Metrics.percentile(ref, 99)));
                put(v, "share_below_ref_p05", Metrics.shareBelow(ppl, Metrics.percentile(ref, 5)));
                put(v, "w1_log10_ppl", Metrics.wasserstein1(Metrics.log10(ppl), Metrics.log10(ref)));
                put(v, "kl_nats", Metrics.klDivergence(Histogram.of(ppl).counts(), Histogram.of(ref).counts()));
            }
        }
        if (t != null) {
            put(v, "distinct_1", t.distinct1());
            put(v, "distinct_2", t.distinct2());
            put(v, "distinct_3", t.distinct3());
            put(v, "unigram_entropy_bits", t.unigramEntropyBits());
            put(v, "vocabulary_coverage", t.vocabularyCoverage());
            put(v, "repeated_4gram_rate", t.repeated4gramRate());
            put(v, "corpus_tokens", t.tokens());
        }
        if (e != null) {
            put(v, "test_loss", e.testLoss());
            put(v, "test_corpus_ppl", e.testCorpusPpl());
            put(v, "test_mean_batch_ppl", e.testMeanBatchPpl());
            put(v, "valid_corpus_ppl", e.validCorpusPpl());
            put(v, "valid_mean_batch_ppl", e.validMeanBatchPpl());
        }
        return new Row(run.name(), run.regime(), run.seed(), generation, v);
    }

    private static void put(double[] v, String key, double value) {
        v[index(key)] = value;
    }

    /** Per regime, generation and column, over the runs that have a value; ordered by regime, generation, column. */
    public static List<Aggregate> aggregates(List<Row> rows) {
        Map<String, TreeMap<Integer, List<Row>>> byRegime = new LinkedHashMap<>();
        for (Row r : rows) {
            byRegime.computeIfAbsent(r.regime(), k -> new TreeMap<>())
                    .computeIfAbsent(r.generation(), k -> new ArrayList<>())
                    .add(r);
        }
        List<Aggregate> out = new ArrayList<>();
        byRegime.forEach((regime, byGen) -> byGen.forEach((gen, group) -> {
            for (int c = 0; c < COLUMNS.size(); c++) {
                final int col = c;
                double[] xs = group.stream().mapToDouble(r -> r.values()[col]).filter(x -> !Double.isNaN(x)).toArray();
                if (xs.length == 0) {
                    continue;
                }
                double mean = Arrays.stream(xs).average().orElseThrow();
                double ss = 0;
                for (double x : xs) {
                    ss += (x - mean) * (x - mean);
                }
                double std = xs.length > 1 ? Math.sqrt(ss / (xs.length - 1)) : 0;
                out.add(new Aggregate(regime, gen, COLUMNS.get(c).key(), xs.length, mean, std,
                        Arrays.stream(xs).min().orElseThrow(), Arrays.stream(xs).max().orElseThrow()));
            }
        }));
        return out;
    }
}
