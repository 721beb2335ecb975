package io.collapse.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.collapse.config.ConfigLoader;
import io.collapse.config.RunConfig;
import io.collapse.config.StrictJson;
import io.collapse.io.ErrorLines;
import io.collapse.io.JsonFiles;
import java.io.IOException;
import java.io.PrintWriter;
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
 * @param changes the memory settings changed since the run began, in order (none in a run.json
 *     written before they were recorded)
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
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Change> changes) {

    public RunManifest {
        changes = changes == null ? List.of() : List.copyOf(changes);
    }

    /** Bumped whenever a run directory's files change meaning; older directories are refused. */
    public static final int FORMAT = 1;

    public static final String VERSION = "0.3.4";

    /** The last version in which {@code beam_length_rule: hf-4.36} meant what {@code hf-5} means now. */
    private static final String HF_4_36_WAS_HF_5 = "0.1.0";

    /** The versions whose random draws 0.3.0 changed: the sampling streams and the kept original blocks. */
    private static final List<String> OLD_DRAWS = List.of("0.1.0", "0.2.0");

    /** The last commit of each earlier version, to finish a run this version will not continue. */
    private static final Map<String, String> LAST_COMMIT = Map.of("0.1.0", "a79362e", "0.2.0", "e667eb4");

    public static final String MICRO_BATCH = "train.micro_batch";

    public static final String CORPUS_BATCH = "experiment.corpus_batch";

    /**
     * Settings that only choose how much goes through the device at once: the training micro-batch
     * (also evaluation's batch) and the corpus's prompts per generate call. A continuing run may
     * change them; from that point on its bits may differ from an uninterrupted run's.
     */
    public static final List<String> MEMORY_SETTINGS = List.of(MICRO_BATCH, CORPUS_BATCH);

    /** Whether a {@code --set} ("train.micro_batch=16") sets one of the {@link #MEMORY_SETTINGS}. */
    public static boolean isMemoryOverride(String override) {
        String path = ConfigLoader.overridePath(override);
        return path != null && MEMORY_SETTINGS.contains(path);
    }

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
        if (!Files.isDirectory(runDir)) {
            throw new IOException(runDir + (Files.exists(runDir) ? ": not a folder" : ": no such folder")
                    + "; expected a run directory");
        }
        RunManifest m = read(runDir);
        if (m == null) {
            RunFiles.refuseTrainingFolder(runDir);
            boolean started = Files.exists(runDir.resolve(RunLock.FILE)); // a first start stopped before run.json
            throw new IOException(runDir + " is not a run directory (no " + RunFiles.RUN + ")" + (started
                    ? "; its first start stopped before writing it: start it again with collapse run CONFIG --run-dir " + runDir
                    : ""));
        }
        checkFormat(runDir, m);
        return m.configWith(runDir, overrides);
    }

    /** This manifest's config with {@code overrides} of {@link #MEMORY_SETTINGS} applied. */
    private RunConfig configWith(Path runDir, List<String> overrides) throws IOException {
        for (String o : overrides) {
            if (ConfigLoader.overridePath(o) == null) {
                throw new IllegalArgumentException("--set expects path.to.field=value, got '" + o + "'");
            }
            if (!isMemoryOverride(o)) {
                throw new IllegalArgumentException("--set " + o + ": a run continues with the config it began with;"
                        + " only " + String.join(" and ", MEMORY_SETTINGS) + " may change");
            }
        }
        String source = runDir.resolve(RunFiles.RUN) + (overrides.isEmpty() ? "" : " with --set " + String.join(" --set ", overrides));
        return ConfigLoader.fromTree(config.deepCopy(), RunConfig.class, overrides, source);
    }

    /**
     * The config a run works with: {@code cfg} for a new run. A continuing run keeps its stored
     * config, with {@code memoryOverrides} ("train.micro_batch=16", from {@code --set}) applied:
     * the only change allowed. Any other difference from {@code cfg} is refused; a memory setting
     * that differs in {@code cfg} alone keeps its stored value, with a note, so that a requeued
     * job's unchanged command does not undo a {@code resume --set}.
     */
    static RunConfig effectiveConfig(Path runDir, RunConfig cfg, List<String> memoryOverrides, PrintWriter log)
            throws IOException {
        return effectiveConfig(runDir, read(runDir), cfg, memoryOverrides, log);
    }

    /** As above, with run.json already read ({@code m}, null where there is none): once under the run lock. */
    static RunConfig effectiveConfig(Path runDir, RunManifest m, RunConfig cfg, List<String> memoryOverrides, PrintWriter log)
            throws IOException {
        if (m == null) {
            if (Files.exists(runDir.resolve(RunState.FILE))) {
                throw new IOException(runDir + " has a " + RunState.FILE + " but no " + RunFiles.RUN + ": not a run directory this version made");
            }
            return cfg;
        }
        checkFormat(runDir, m);
        JsonNode stored = storedConfig(m, runDir.resolve(RunFiles.RUN).toString());
        JsonNode asked = configTree(cfg);
        List<String> differences = ConfigLoader.differences(stored, asked, "");
        List<String> refused = differences.stream().filter(d -> settingOf(d) == null).toList();
        if (!refused.isEmpty()) {
            throw new IOException(runDir + " was made by a different config (" + String.join(", ", refused)
                    + "); continue it with `collapse resume " + ErrorLines.shellWord(runDir) + "` (only " + String.join(" and ", MEMORY_SETTINGS)
                    + " may change, with --set)" + shardHint(runDir, refused, differences) + ", or choose a new --run-dir");
        }
        for (Change c : changesBetween(stored, asked, null)) {
            if (memoryOverrides.stream().noneMatch(o -> c.setting().equals(ConfigLoader.overridePath(o)))) {
                log.println("note: " + c.setting() + " stays " + c.from() + " as " + RunFiles.RUN + " has it (the config says "
                        + c.to() + "); change it with --set " + c.setting() + "=" + c.to());
            }
        }
        return m.configWith(runDir, memoryOverrides);
    }

    /** The value at a dotted path ("train.micro_batch") of a config tree. */
    private static JsonNode at(JsonNode config, String setting) {
        return config.at("/" + setting.replace('.', '/'));
    }

    /** The memory setting a line of {@link #differences} is about, or null. */
    private static String settingOf(String difference) {
        return MEMORY_SETTINGS.stream().filter(s -> difference.startsWith(s + ": ")).findFirst().orElse(null);
    }

    /** A config that leaves corpus_shard_blocks out derives it from corpus_batch: say so where that is the refusal. */
    private static String shardHint(Path runDir, List<String> refused, List<String> differences) {
        boolean shard = refused.stream().anyMatch(d -> d.startsWith("experiment.corpus_shard_blocks: "));
        boolean batch = differences.stream().anyMatch(d -> d.startsWith(CORPUS_BATCH + ": "));
        return shard && batch ? "; experiment.corpus_shard_blocks is 8 × corpus_batch where a config leaves it out:"
                + " state it, or use `collapse resume " + ErrorLines.shellWord(runDir) + " --set experiment.corpus_batch=N`" : "";
    }

    /**
     * The {@link #MEMORY_SETTINGS} in which {@code cfg} differs from this manifest's config,
     * stamped now; {@link #recordChanges} writes them.
     */
    List<Change> memoryChanges(RunConfig cfg) throws IOException {
        return changesBetween(storedConfig(this, RunFiles.RUN), configTree(cfg), Instant.now().toString());
    }

    /** The {@link #MEMORY_SETTINGS} whose values differ between two config trees, stamped {@code time}. */
    private static List<Change> changesBetween(JsonNode then, JsonNode now, String time) {
        List<Change> found = new ArrayList<>();
        for (String setting : MEMORY_SETTINGS) {
            JsonNode from = at(then, setting);
            JsonNode to = at(now, setting);
            if (!from.equals(to)) {
                found.add(new Change(time, setting, from, to));
            }
        }
        return found;
    }

    /** The value a memory setting had when the run began: the first change's "from", else the stored one. */
    JsonNode startedWith(String setting) throws IOException {
        return changes.stream().filter(c -> c.setting().equals(setting))
                .findFirst().map(Change::from).orElse(at(storedConfig(this, RunFiles.RUN), setting));
    }

    /** Writes {@code runDir}'s run.json as this manifest with {@code cfg} as its config and {@code added} in its history (nothing when none). */
    void recordChanges(Path runDir, RunConfig cfg, List<Change> added) throws IOException {
        if (added.isEmpty()) {
            return;
        }
        List<Change> all = new ArrayList<>(changes);
        all.addAll(added);
        JsonFiles.write(ConfigLoader.JSON, runDir.resolve(RunFiles.RUN), new RunManifest(format, name, created,
                collapseVersion, seed, regime, dataset, ConfigLoader.JSON.valueToTree(cfg), all));
    }

    /**
     * A config as a tree, through text, so numbers take the node types a reader gives them (a
     * long 0 reads back as an int).
     */
    private static JsonNode configTree(RunConfig cfg) throws IOException {
        return ConfigLoader.JSON.readTree(ConfigLoader.JSON.writeValueAsString(cfg));
    }

    /** The stored config read back through the record, so fields added since the run began compare at their defaults. */
    private static JsonNode storedConfig(RunManifest m, String source) throws IOException {
        return resolvedConfig(m.config(), source);
    }

    /** A run.json's config (read from {@code source}) as this version's record writes it: every field, at its default where absent. */
    public static JsonNode resolvedConfig(JsonNode config, String source) throws IOException {
        return configTree(ConfigLoader.fromTree(config.deepCopy(), RunConfig.class, List.of(), source));
    }

    /**
     * Writes run.json for a new run ({@code m} null), or checks the data of an existing one
     * ({@code m}, its run.json as read) against it; returns the run's manifest.
     */
    static RunManifest createOrCheckData(Path runDir, RunManifest m, RunConfig cfg, Map<String, String> checksums)
            throws IOException {
        if (m != null) {
            if (!m.dataset().checksums().equals(checksums)) {
                throw new IOException(runDir + " was made from other data: checksums " + m.dataset().checksums()
                        + " in " + RunFiles.RUN + ", now " + checksums);
            }
            return m;
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
        return fresh;
    }

    static RunManifest read(Path runDir) throws IOException {
        Path file = runDir.resolve(RunFiles.RUN);
        String notA = "not a run directory this version can continue";
        RunManifest m = JsonFiles.readIfPresent(ConfigLoader.JSON, file, RunManifest.class, notA, StrictJson::reason);
        if (m != null && (m.config() == null || !m.config().isObject())) {
            throw new IOException(file + ": " + notA + " (\"config\": expected the run's config, an object)");
        }
        return m;
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
    void checkContinuable(Path runDir) throws IOException {
        String version = collapseVersion;
        String finish = "; finish it with collapse " + version + " (git " + LAST_COMMIT.get(version) + ")";
        // Continued under today's hf-4.36, the rest of such a run would decode by another stopping rule.
        if (HF_4_36_WAS_HF_5.equals(version) && "hf-4.36".equals(config.path("generation").path("beam_length_rule").asText())) {
            throw new IOException(runDir + " was made by collapse " + version + " with generation.beam_length_rule hf-4.36,"
                    + " which then meant what hf-5 means now" + finish + ", or start a new run directory with hf-5");
        }
        // Continued today, the rest of such a run would draw from other streams than its first part.
        if (OLD_DRAWS.contains(version) && drawsAtRandom(config)) {
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
}
