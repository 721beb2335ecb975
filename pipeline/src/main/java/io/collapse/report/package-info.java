/**
 * Reports of collapse runs: reads run directories (README, "Run directories") and writes, into one folder,
 * {@code ppl-histograms}, {@code ppl-histograms-multiples}, {@code test-perplexity} and
 * {@code collapse-measures} as PNG (2× size) and SVG, {@code metrics.csv} (one row per run and
 * generation; generation -1 is the real-data baseline), {@code metrics-by-regime.csv} (mean, sample
 * std, min, max over seeds), {@code metrics.json} (all of it plus histogram counts, definitions and
 * warnings) and a self-contained {@code index.html}.
 *
 * <p>The measures ({@link io.collapse.report.Metrics}) are plain functions over token blocks and
 * perplexity arrays; their reference is each run's own generation-0 corpus
 * ({@code gen-00/corpus-ppl.f32}), see {@link io.collapse.report.MetricTable}. Entry point:
 * {@link io.collapse.report.Report#write}. Reads only; the cli calls it, not the pipeline.
 */
package io.collapse.report;
