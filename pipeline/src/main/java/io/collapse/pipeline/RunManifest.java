package io.collapse.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.collapse.config.ConfigLoader;
import io.collapse.config.RunConfig;
import io.collapse.io.JsonFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * run.json: what made this run directory — the resolved config, the format, the data's checksums.
 * A directory is only ever continued by the same config on the same data; anything else is
 * refused before a byte is written. The one exception is {@link #MEMORY_SETTINGS}: a run that ran
 * out of memory may continue with smaller batches, and run.json lists each such change.
 *
 * @param changes the memory settings changed since the run began, in order (null in a run.json
 *     written before they were recorded: none)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record RunManifest(
        int format,
        String name,
        String created,
        String collapseVersion,
        long seed,
        Map<String, Object> regime,
        DataChecksums dataset,
        JsonNode config,
        List<Change> changes) {

    /** Bumped whenever a run directory's files change meaning; older directories are refused. */
    public static final int FORMAT = 1;

    public static final String VERSION = "0.3.0";

    /** The last version in which {@code beam_length_rule: hf-4.36} meant what {@code hf-5} means now. */
    private static final String HF_4_36_WAS_HF_5 = "0.1.0";

    /** The versions whose random draws 0.3.0 changed: the sampling streams and the kept original blocks. */
    private static final List<String> OLD_DRAWS = List.of("0.1.0", "0.2.0");

    /** The last commit of each earlier version, to finish a run this version will not continue. */
    private static final Map<String, String> LAST_COMMIT = Map.of("0.1.0", "a79362e", "0.2.0", "e667eb4");

    /**
     * Settings that only choose how much goes through the device at once: the training micro-batch
     * (also evaluation's batch) and the corpus's prompts per generate call. A continuing run may
     * change them; from that point on its bits may differ from an uninterrupted run's.
     */
    public static final List<String> MEMORY_SETTINGS = List.of("train.micro_batch", "experiment.corpus_batch");

    /** One memory setting changed when the run was continued at {@code time}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Change(String time, String setting, JsonNode from, JsonNode to) {

        @Override
        public String toString() {
            return setting + ": " + from + " -> " + to;
        }
    }

    /** The dataset a run was made from, by name, and the checksums of its splits (a resume must find the same). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record DataChecksums(String name, Map<String, String> checksums) {}

    /** The config stored in a run directory (what `collapse resume` continues). */
    public static RunConfig readConfig(Path runDir) throws IOException {
        return readConfig(runDir, List.of());
    }

    /**
     * The config stored in a run directory with {@code overrides} ("train.micro_batch=8") applied;
     * only {@link #MEMORY_SETTINGS} may be overridden.
     */
    public static RunConfig readConfig(Path runDir, List<String> overrides) throws IOException {
        RunManifest m = read(runDir);
        if (m == null) {
            throw new IOException(runDir + " is not a run directory (no " + RunFiles.RUN + ")");
        }
        checkFormat(runDir, m);
        for (String o : overrides) {
            String setting = o.contains("=") ? o.substring(0, o.indexOf('=')).strip() : o;
            if (!MEMORY_SETTINGS.contains(setting)) {
                throw new IllegalArgumentException("--set " + o + ": a run continues with the config it began with;"
                        + " only " + String.join(" and ", MEMORY_SETTINGS) + " may change");
            }
        }
        return ConfigLoader.fromTree(m.config().deepCopy(), RunConfig.class, overrides, runDir.resolve(RunFiles.RUN).toString());
    }

    /** Refuses a directory made by another config or format; silent when the directory is new. */
    static void checkConfig(Path runDir, RunConfig cfg) throws IOException {
        RunManifest m = read(runDir);
        if (m == null) {
            if (Files.exists(runDir.resolve(RunState.FILE))) {
                throw new IOException(runDir + " has a " + RunState.FILE + " but no " + RunFiles.RUN + ": not a run directory this version made");
            }
            return;
        }
        checkFormat(runDir, m);
        List<String> refused = differences(storedConfig(m), configTree(cfg), "").stream()
                .filter(d -> !isMemorySetting(d)).toList();
        if (!refused.isEmpty()) {
            throw new IOException(runDir + " was made by a different config (" + String.join(", ", refused)
                    + "); continue it with `collapse resume " + runDir + "` (only " + String.join(" and ", MEMORY_SETTINGS)
                    + " may change), or choose a new --run-dir");
        }
    }

    /**
     * Records in run.json the {@link #MEMORY_SETTINGS} in which {@code cfg} differs from the
     * stored config (which {@link #checkConfig} has held to be all) and returns those changes.
     */
    static List<Change> recordMemoryChanges(Path runDir, RunConfig cfg) throws IOException {
        RunManifest m = read(runDir);
        JsonNode then = storedConfig(m);
        JsonNode now = configTree(cfg);
        String time = Instant.now().toString();
        List<Change> changes = new ArrayList<>();
        for (String setting : MEMORY_SETTINGS) {
            JsonNode from = then.at("/" + setting.replace('.', '/'));
            JsonNode to = now.at("/" + setting.replace('.', '/'));
            if (!from.equals(to)) {
                changes.add(new Change(time, setting, from, to));
            }
        }
        if (!changes.isEmpty()) {
            List<Change> all = new ArrayList<>(m.changes() == null ? List.of() : m.changes());
            all.addAll(changes);
            JsonFiles.write(ConfigLoader.JSON, runDir.resolve(RunFiles.RUN), new RunManifest(m.format(), m.name(), m.created(),
                    m.collapseVersion(), m.seed(), m.regime(), m.dataset(), ConfigLoader.JSON.valueToTree(cfg), all));
        }
        return changes;
    }

    /**
     * A config as a tree, through text, so numbers take the node types a reader gives them (a
     * long 0 reads back as an int).
     */
    private static JsonNode configTree(RunConfig cfg) throws IOException {
        return ConfigLoader.JSON.readTree(ConfigLoader.JSON.writeValueAsString(cfg));
    }

    /** The stored config read back through the record, so fields added since the run began compare at their defaults. */
    private static JsonNode storedConfig(RunManifest m) throws IOException {
        return configTree(ConfigLoader.JSON.treeToValue(m.config(), RunConfig.class));
    }

    /** Whether a line of {@link #differences} is about a memory setting. */
    private static boolean isMemorySetting(String difference) {
        return MEMORY_SETTINGS.stream().anyMatch(s -> difference.startsWith(s + ": "));
    }

    /** Writes run.json for a new run, or checks the data of an existing one against it. */
    static void createOrCheckData(Path runDir, RunConfig cfg, Map<String, String> checksums) throws IOException {
        RunManifest m = read(runDir);
        if (m != null) {
            if (!m.dataset().checksums().equals(checksums)) {
                throw new IOException(runDir + " was made from other data: checksums " + m.dataset().checksums()
                        + " in " + RunFiles.RUN + ", now " + checksums);
            }
            return;
        }
        var e = cfg.experiment();
        // The report groups runs by regime name: the config's name, seeds pooled.
        Map<String, Object> regime = new java.util.LinkedHashMap<>();
        regime.put("name", cfg.name());
        regime.put("keep_fraction", e.keepFraction());
        regime.put("data_mode", e.dataMode());
        regime.put("start_from", e.startFrom());
        regime.put("epochs", cfg.train().epochs());
        RunManifest fresh = new RunManifest(FORMAT, cfg.name(), Instant.now().toString(), VERSION, e.seed(), regime,
                new DataChecksums(cfg.data().dataset(), checksums), ConfigLoader.JSON.valueToTree(cfg), List.of());
        JsonFiles.write(ConfigLoader.JSON, runDir.resolve(RunFiles.RUN), fresh);
    }

    static RunManifest read(Path runDir) throws IOException {
        return JsonFiles.readIfPresent(ConfigLoader.JSON, runDir.resolve(RunFiles.RUN), RunManifest.class,
                "not a run directory this version can continue");
    }

    private static void checkFormat(Path runDir, RunManifest m) throws IOException {
        if (m.format() != FORMAT) {
            throw new IOException(runDir + " was written in run-directory format " + m.format() + " (collapse "
                    + m.collapseVersion() + "); this collapse " + VERSION + " reads format " + FORMAT
                    + " only — start a new run directory");
        }
        if (m.collapseVersion() == null) {
            throw new IOException(runDir.resolve(RunFiles.RUN) + ": collapse_version is missing; expected the version"
                    + " that made the run, e.g. \"" + VERSION + "\"");
        }
    }

    /**
     * Refuses to continue a run whose remaining work this version would do otherwise than the
     * version that began it. Only continuing is refused: status and report read such runs.
     */
    static void checkContinuable(Path runDir) throws IOException {
        RunManifest m = read(runDir);
        if (m == null) {
            return;
        }
        String version = m.collapseVersion();
        String finish = "; finish it with collapse " + version + " (git " + LAST_COMMIT.get(version) + ")";
        // Continued under today's hf-4.36, the rest of such a run would decode by another stopping rule.
        if (HF_4_36_WAS_HF_5.equals(version) && "hf-4.36".equals(m.config().path("generation").path("beam_length_rule").asText())) {
            throw new IOException(runDir + " was made by collapse " + version + " with generation.beam_length_rule hf-4.36,"
                    + " which then meant what hf-5 means now" + finish + ", or start a new run directory with hf-5");
        }
        // Continued today, the rest of such a run would draw from other streams than its first part.
        if (OLD_DRAWS.contains(version) && drawsAtRandom(m.config())) {
            throw new IOException(runDir + " was made by collapse " + version + ", whose random draws for"
                    + " generation.strategy sample and for experiment.keep_fraction 0.3.0 changed" + finish
                    + ", or start a new run directory");
        }
    }

    /** Whether a run draws at random beyond training: it samples its corpora, or keeps a drawn share of original blocks. */
    private static boolean drawsAtRandom(JsonNode config) {
        JsonNode e = config.path("experiment");
        double keep = e.path("keep_fraction").asDouble();
        boolean mixes = "replace".equals(e.path("data_mode").asText()) && keep > 0 && keep < 1 && e.path("generations").asInt() > 1;
        return mixes || "sample".equals(config.path("generation").path("strategy").asText());
    }

    /** Dotted paths where two config trees differ, e.g. "train.epochs: 5 -> 10". */
    static List<String> differences(JsonNode was, JsonNode now, String prefix) {
        List<String> out = new ArrayList<>();
        if (was != null && now != null && was.isObject() && now.isObject()) {
            java.util.Set<String> keys = new java.util.TreeSet<>();
            was.fieldNames().forEachRemaining(keys::add);
            now.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                out.addAll(differences(was.get(k), now.get(k), prefix.isEmpty() ? k : prefix + "." + k));
            }
        } else if (was == null ? now != null : !was.equals(now)) {
            out.add(prefix + ": " + was + " -> " + now);
        }
        return out;
    }
}
