package io.collapse.cli;

import io.collapse.pipeline.RunFiles;
import io.collapse.report.Report;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** Histograms, curves and tables of one or more runs as PNG/SVG, CSV/JSON and one offline HTML page. */
@Command(name = "report", description = "Write the report (index.html, figures, metrics.csv/json) of runs or a sweep.")
final class ReportCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "RUN_DIR",
            description = "Run directories (each with its run.json), or a sweep directory (with sweep.json, or runs as"
                    + " sub-directories).")
    List<Path> dirs;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Output directory (default: <run>/report or <sweep>/report; required for several paths).")
    Path out;

    @Mixin JsonStdout stdout;

    @Override
    public Integer call() throws Exception {
        Path outDir = out;
        if (outDir == null) {
            if (dirs.size() > 1) {
                throw new ParameterException(stdout.spec.commandLine(),
                        "--out is required when more than one directory is given (" + dirs.size() + " given)");
            }
            outDir = dirs.get(0).resolve(RunFiles.REPORT);
        }
        Report.Result result = Report.write(dirs, outDir);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("out", result.outDir().toString());
        doc.put("index", result.outDir().resolve(RunFiles.INDEX).toString());
        doc.put("runs", result.runs().stream().map(r -> Map.of(
                "name", r.name(), "regime", r.regime(), "generations", r.generations().size())).toList());
        doc.put("files", result.files().stream().map(Path::toString).toList());
        doc.put("warnings", result.warnings());
        stdout.print(doc, o -> {
            for (var r : result.runs()) {
                o.printf("%-24s regime %-10s %d generation(s), %s%n", r.name(), r.regime(), r.generations().size(), r.state());
            }
            for (String w : result.warnings()) {
                o.println("warning: " + w);
            }
            long bytes = 0;
            for (Path f : result.files()) {
                bytes += Files.size(f);
            }
            o.printf("wrote %d files (%d KiB) to %s%nopen %s%n", result.files().size(), bytes / 1024, result.outDir(),
                    result.outDir().resolve(RunFiles.INDEX).toAbsolutePath());
        });
        return 0;
    }
}
