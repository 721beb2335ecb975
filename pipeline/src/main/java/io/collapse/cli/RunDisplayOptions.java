package io.collapse.cli;

import io.collapse.config.RunConfig;
import io.collapse.pipeline.Experiment;
import io.collapse.pipeline.RunFiles;
import io.collapse.pipeline.RunManifest;
import io.collapse.report.Report;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How {@code run} and {@code resume} show a run: progress bars, and the report after each generation (a {@code @Mixin}). */
final class RunDisplayOptions {

    @Mixin ProgressOption progress;

    @Option(names = "--no-report", description = "Do not write the report after each generation.")
    boolean noReport;

    /**
     * Runs (or continues) the experiment in {@code dir}, logging to {@code out}; a sweep's report is
     * rewritten too. {@code overrides}: the command's {@code --set}s, of which a continuing run takes
     * the memory settings.
     *
     * @return whether a report was written (after a generation this start ran; not under --no-report)
     */
    boolean run(RunConfig cfg, List<String> overrides, Path dir, Path sweepRoot, PrintWriter out) throws Exception {
        List<String> memoryOverrides = overrides.stream().filter(RunManifest::isMemoryOverride).toList();
        if (!noReport) { // refused now, not after a generation's work
            try {
                Report.checkOutDir(dir.resolve(RunFiles.REPORT));
                if (sweepRoot != null) {
                    Report.checkOutDir(sweepRoot.resolve(RunFiles.REPORT));
                }
            } catch (IOException e) {
                throw new IOException(e.getMessage() + "; move those files away, or run with --no-report", e);
            }
        }
        boolean[] written = {false};
        Experiment.run(cfg, memoryOverrides, dir, CorpusBar.runBars(progress.shown()), out, noReport ? Experiment.Listener.NONE : (d, k) -> {
            Report.write(List.of(d), d.resolve(RunFiles.REPORT));
            if (sweepRoot != null) {
                Report.write(List.of(sweepRoot), sweepRoot.resolve(RunFiles.REPORT));
            }
            written[0] = true;
        });
        return written[0];
    }
}
