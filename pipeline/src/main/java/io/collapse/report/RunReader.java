package io.collapse.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.config.StrictJson;
import io.collapse.eval.PplFile;
import io.collapse.generate.CorpusManifest;
import io.collapse.generate.SyntheticCorpus;
import io.collapse.io.Checksums;
import io.collapse.io.RegularFiles;
import io.collapse.pipeline.GenerationRecord;
import io.collapse.pipeline.RunFiles;
import io.collapse.pipeline.RunState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads run directories (format: README, "Run directories") tolerantly: an experiment may be running, so a
 * generation not written yet is simply absent, and a file that cannot be read (half-written,
 * damaged) is left out with a warning instead of failing the whole report.
 */
public final class RunReader {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** gen-NN: a run has at most 1000 generations; a longer number is not one of its folders. */
    private static final Pattern GEN_DIR = Pattern.compile("gen-(\\d{2,4})");

    /** Token measures of corpora already read in this process, by {@link #corpusKey}. */
    private static final Map<String, RunData.TokenStats> TOKEN_STATS = new ConcurrentHashMap<>();

    private RunReader() {}

    /** Reads one run; problems with single files become warnings. */
    public static RunData read(Path dir, List<String> warnings) {
        String name = dir.getFileName().toString();
        String regime = "default";
        Map<String, String> settings = Map.of();
        Integer seed = null;
        try {
            JsonNode run = readObject(dir.resolve(RunFiles.RUN));
            name = run.path("name").asText(name);
            regime = run.path("regime").path("name").asText(regime);
            settings = Regimes.settings(run.path("config"), dir.resolve(RunFiles.RUN), warnings);
            seed = run.path("seed").canConvertToInt() ? run.path("seed").asInt() : null;
            for (JsonNode c : run.path("changes")) { // RunManifest.Change: a memory setting changed on a resume
                warnings.add(dir + ": continued with " + c.path("setting").asText() + " " + c.path("from") + " -> "
                        + c.path("to") + " from " + c.path("time").asText() + " on; the same measures, but not the bits"
                        + " of an uninterrupted run");
            }
        } catch (IOException e) {
            warnings.add(dir.resolve(RunFiles.RUN) + ": unreadable, using the directory name (" + StrictJson.reason(e) + ")");
        }
        String state = readState(dir.resolve(RunState.FILE), warnings);
        float[] realPpl = null;
        Path real = RunFiles.gen(dir, 0).resolve(RunFiles.REAL_PPL);
        if (Files.exists(real)) {
            realPpl = f32(real, warnings);
        }
        List<RunData.Generation> gens = new ArrayList<>();
        for (var e : generationDirs(dir, warnings).entrySet()) {
            RunData.Generation g = readGeneration(e.getKey(), e.getValue(), warnings);
            if (g.eval() != null || g.corpusPpl() != null || g.tokens() != null) {
                gens.add(g);
            }
        }
        return new RunData(dir, name, regime, settings, seed, state, realPpl, gens);
    }

    private static TreeMap<Integer, Path> generationDirs(Path dir, List<String> warnings) {
        TreeMap<Integer, Path> out = new TreeMap<>();
        try (Stream<Path> children = Files.list(dir)) {
            children.filter(Files::isDirectory).forEach(c -> {
                Matcher m = GEN_DIR.matcher(c.getFileName().toString());
                if (m.matches()) {
                    out.put(Integer.parseInt(m.group(1)), c);
                }
            });
        } catch (IOException e) {
            warnings.add(dir + ": cannot list generations (" + e.getMessage() + ")");
        }
        return out;
    }

    private static RunData.Generation readGeneration(int g, Path genDir, List<String> warnings) {
        RunData.Eval eval = null;
        Path evalFile = genDir.resolve(RunFiles.EVAL);
        if (Files.exists(evalFile)) {
            try {
                eval = eval(readObject(evalFile));
            } catch (IOException e) {
                warnings.add(evalFile + ": skipped, unreadable (" + StrictJson.reason(e) + ")");
            }
        }
        float[] corpusPpl = null;
        Path pplFile = genDir.resolve(RunFiles.CORPUS_PPL);
        if (Files.exists(pplFile)) {
            corpusPpl = f32(pplFile, warnings);
        }
        RunData.TokenStats tokens = null;
        Path corpusDir = genDir.resolve(RunFiles.CORPUS);
        if (Files.exists(corpusDir.resolve(CorpusManifest.FILE))) {
            try {
                tokens = tokenStats(corpusDir);
            } catch (IOException | RuntimeException e) {
                warnings.add(corpusDir + ": token measures skipped (" + e.getMessage() + ")");
            }
        }
        if (corpusPpl != null && tokens != null && corpusPpl.length != tokens.blocks()) {
            warnings.add(pplFile + ": " + corpusPpl.length + " perplexities for " + tokens.blocks() + " corpus blocks");
        }
        return new RunData.Generation(g, eval, corpusPpl, tokens);
    }

    /**
     * The corpus's token measures, measured once per process: the report is rewritten after every
     * generation and a finished corpus does not change, so reading, checking and measuring every
     * corpus again (seconds each at the paper's size) at each write is wasted.
     */
    private static RunData.TokenStats tokenStats(Path corpusDir) throws IOException {
        String key = corpusKey(corpusDir);
        RunData.TokenStats stats = TOKEN_STATS.get(key);
        if (stats == null) {
            stats = RunData.TokenStats.of(SyntheticCorpus.read(corpusDir));
            if (key.equals(corpusKey(corpusDir))) { // not rewritten while it was read
                TOKEN_STATS.put(key, stats);
            }
        }
        return stats;
    }

    /**
     * What identifies a corpus's contents: its directory, its manifest's sha256 (which lists every
     * shard's sha256, so rewritten blocks give a new manifest) and each shard's size and
     * modification time (so a shard deleted or damaged since is read, and reported, again).
     */
    private static String corpusKey(Path corpusDir) throws IOException {
        StringBuilder key = new StringBuilder(corpusDir.toAbsolutePath().normalize().toString()).append('\n')
                .append(Checksums.sha256(Files.readAllBytes(corpusDir.resolve(CorpusManifest.FILE))));
        CorpusManifest manifest = CorpusManifest.read(corpusDir);
        for (CorpusManifest.Shard shard : manifest.shards()) {
            Path file = corpusDir.resolve(shard.file());
            key.append('\n').append(shard.file()).append(' ');
            if (Files.isRegularFile(file)) {
                key.append(Files.size(file)).append(' ').append(Files.getLastModifiedTime(file).to(TimeUnit.NANOSECONDS));
            } else {
                key.append("absent");
            }
        }
        return key.toString();
    }

    private static RunData.Eval eval(JsonNode root) {
        JsonNode test = root.path("test");
        JsonNode valid = root.path("valid");
        List<GenerationRecord.Sample> samples = new ArrayList<>();
        for (JsonNode s : root.path("samples")) {
            samples.add(new GenerationRecord.Sample(
                    s.path("prompt_index").asInt(samples.size()),
                    s.path("prompt").asText(""),
                    s.path("continuation").asText("")));
        }
        return new RunData.Eval(
                number(test, "loss"),
                number(test, "corpus_ppl"),
                number(test, "mean_batch_ppl"),
                number(valid, "corpus_ppl"),
                number(valid, "mean_batch_ppl"),
                samples);
    }

    /** A finite number, else NaN (shown as missing): a value past double's range, as 1e400 in a damaged file, reads as infinite. */
    private static double number(JsonNode parent, String field) {
        JsonNode v = parent.path(field);
        return v.isNumber() && Double.isFinite(v.asDouble()) ? v.asDouble() : Double.NaN;
    }

    private static float[] f32(Path file, List<String> warnings) {
        try {
            return PplFile.read(file);
        } catch (IOException e) {
            warnings.add(file + ": skipped (" + e.getMessage() + ")");
            return null;
        }
    }

    /** A run file's JSON object; a FIFO or folder in its place (never waited on), an empty file or another value fails. */
    private static JsonNode readObject(Path file) throws IOException {
        String instead = RegularFiles.instead(file);
        if (instead != null) {
            throw new IOException(instead + ", expected a file");
        }
        JsonNode node = JSON.readTree(file.toFile());
        if (node == null || !node.isObject()) {
            String what = node == null || node.isMissingNode() ? "empty" : "a JSON " + node.getNodeType().name().toLowerCase(Locale.ROOT);
            throw new IOException(what + ", expected a JSON object");
        }
        return node;
    }

    private static String readState(Path file, List<String> warnings) {
        if (!Files.exists(file)) {
            return "no state.json";
        }
        try {
            JsonNode s = readObject(file);
            String phase = s.path("phase").asText("?");
            if (phase.equals(RunState.END_PHASE)) {
                // Every generation is done; what is left is the run's final report, this one when the run writes it.
                return "done";
            }
            return s.has("generation") ? "generation " + s.path("generation").asInt() + ", " + phase : phase;
        } catch (IOException e) {
            warnings.add(file + ": unreadable (" + StrictJson.reason(e) + ")");
            return "state.json unreadable";
        }
    }
}
