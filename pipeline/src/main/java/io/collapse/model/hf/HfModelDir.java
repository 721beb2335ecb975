package io.collapse.model.hf;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.config.LmConfig;
import io.collapse.config.SpecialTokens;
import io.collapse.config.StrictJson;
import io.collapse.io.AtomicFiles;
import io.collapse.io.ErrorLines;
import io.collapse.io.RegularFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An HF model directory as {@code from_pretrained} reads it and {@code save_pretrained} writes it:
 * config.json, the weights (model.safetensors, pytorch_model.bin, or either sharded with an index),
 * the tokenizer files and, where the model has one, generation_config.json.
 */
public final class HfModelDir {

    public static final String CONFIG = "config.json";
    public static final String SAFETENSORS = "model.safetensors";
    public static final String SAFETENSORS_INDEX = "model.safetensors.index.json";
    public static final String PYTORCH_BIN = "pytorch_model.bin";
    public static final String PYTORCH_BIN_INDEX = "pytorch_model.bin.index.json";
    /** Where transformers' generate takes its eos and pad ids from when a model has it ({@link #specialTokens}). */
    public static final String GENERATION_CONFIG = "generation_config.json";

    /** Every file {@link #write} makes: what a directory it replaces may hold. */
    private static final List<String> WRITTEN = Stream.concat(Stream.of(CONFIG, SAFETENSORS, GENERATION_CONFIG),
            TokenizerFiles.ALL.stream()).toList();

    /** Weights files in the order {@link #read} prefers them (transformers' own order). */
    public static final List<String> WEIGHTS_FILES = List.of(SAFETENSORS, SAFETENSORS_INDEX, PYTORCH_BIN, PYTORCH_BIN_INDEX);

    private static final ObjectMapper JSON = StrictJson.MAPPER;

    private HfModelDir() {}

    /**
     * A checkpoint with the names of HF's {@code …ForCausalLM} class ({@code model.decoder.…} for
     * OPT); no head tensor where the model ties it to the token embedding. {@code weights} is the
     * file (or index) read.
     */
    public record Checkpoint(LmConfig config, Map<String, HostTensor> tensors, Path weights) {}

    /** The ids generation stops at and pads with: generation_config.json's where {@code dir} has one, else config.json's. */
    public static SpecialTokens specialTokens(Path dir, LmConfig config) throws IOException {
        Path file = dir.resolve(GENERATION_CONFIG);
        return RegularFiles.isPresent(file) ? SpecialTokens.read(file, config.vocabSize()) : SpecialTokens.of(config);
    }

    /** Reads config.json and the weights, the first of {@link #WEIGHTS_FILES} present. */
    public static Checkpoint read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            List<Path> previous = leftovers(dir.toAbsolutePath().normalize(), ".old-");
            throw new CheckpointException(dir, "not a directory" + (previous.isEmpty() ? ""
                    : "; an interrupted write left the previous version at " + previous.get(0)));
        }
        Path configFile = dir.resolve(CONFIG);
        if (!RegularFiles.isPresent(configFile)) {
            throw new CheckpointException(configFile, "missing: an HF model directory needs config.json");
        }
        LmConfig config = LmConfig.read(configFile);
        Path weights = weightsFile(dir);
        Map<String, HostTensor> raw;
        if (weights.endsWith(SAFETENSORS)) {
            raw = Safetensors.read(weights);
        } else if (weights.endsWith(SAFETENSORS_INDEX)) {
            raw = readSharded(weights, Safetensors::read);
        } else if (weights.endsWith(PYTORCH_BIN)) {
            raw = TorchPickle.read(weights);
        } else {
            raw = readSharded(weights, TorchPickle::read);
        }
        return new Checkpoint(config, normalizeNames(weights, raw, config), weights);
    }

    /** The weights file {@link #read} would use. */
    public static Path weightsFile(Path dir) throws IOException {
        return findWeights(dir).orElseThrow(
                () -> new CheckpointException(dir, "missing weights: none of " + String.join(", ", WEIGHTS_FILES)));
    }

    /** The first of {@link #WEIGHTS_FILES} present in {@code dir}, if any; a FIFO or folder under one's name is refused by name. */
    public static Optional<Path> findWeights(Path dir) throws IOException {
        for (String name : WEIGHTS_FILES) {
            if (RegularFiles.isPresent(dir.resolve(name))) {
                return Optional.of(dir.resolve(name));
            }
        }
        return Optional.empty();
    }

    /** The shard files a sharded checkpoint's index names, each once, in the index's order. */
    public static List<String> shards(Path index) throws IOException {
        return List.copyOf(new LinkedHashSet<>(weightMap(index).values()));
    }

    /** The tensors under the model's names ({@link LmConfig#canonical}), a tied head dropped. */
    static Map<String, HostTensor> normalizeNames(Path source, Map<String, HostTensor> raw, LmConfig config)
            throws CheckpointException {
        List<String> problems = new ArrayList<>();
        Map<String, HostTensor> out = config.canonical(raw, false, problems);
        if (!problems.isEmpty()) {
            throw new CheckpointException(source, problems.get(0));
        }
        return out;
    }

    /** Reads one weights file. */
    @FunctionalInterface
    interface ShardReader {
        Map<String, HostTensor> read(Path file) throws IOException;
    }

    /**
     * A sharded checkpoint's index ({@code model.safetensors.index.json} or
     * {@code pytorch_model.bin.index.json}): {@code weight_map} sends each tensor name to its shard file.
     *
     * @return tensor name → shard file name (a plain name next to the index)
     */
    public static Map<String, String> weightMap(Path index) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(index.toFile());
        } catch (JsonProcessingException e) {
            throw new CheckpointException(index, StrictJson.describe(e));
        }
        JsonNode weightMap = root == null ? null : root.get("weight_map");
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw new CheckpointException(index, "has no \"weight_map\" object of tensor name -> shard file");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String shard = e.getValue().asText();
            if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
                throw new CheckpointException(index, "points at shard '" + shard + "', which is not a file name next to it");
            }
            out.put(e.getKey(), shard);
        }
        return out;
    }

    /** Reads every shard an index names, checking that each holds the tensors the index sends to it. */
    static Map<String, HostTensor> readSharded(Path index, ShardReader reader) throws IOException {
        Map<String, String> weightMap = weightMap(index);
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (String shard : new LinkedHashSet<>(weightMap.values())) {
            Path file = index.resolveSibling(shard);
            if (!Files.isRegularFile(file)) {
                throw new CheckpointException(index, "points at shard '" + shard + "', which is missing next to it");
            }
            out.putAll(reader.read(file));
        }
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            if (!out.containsKey(e.getKey())) {
                throw new CheckpointException(index, "maps tensor '" + e.getKey() + "' to shard '" + e.getValue()
                        + "', which does not contain it");
            }
        }
        return out;
    }

    /**
     * Writes an HF directory that transformers loads as-is: config.json, model.safetensors with
     * HF names (floating tensors in {@code dtype}), the tokenizer files, taken from
     * {@code sourceDir} when it has a tokenizer (tokenizer.json, or vocab.json and merges.txt),
     * else the bundled OPT-125m ones, and {@code sourceDir}'s generation_config.json, byte for
     * byte, where it has one (so every generation stops at the ids the base model's does). Atomic:
     * everything is written and synced in a temporary sibling directory, then renamed into place;
     * an existing {@code dir} is first renamed aside and deleted only after the new one is in place
     * (the next write restores it if a kill came between the two renames).
     */
    public static void write(Path dir, LmConfig config, Map<String, HostTensor> tensors, HostTensor.DType dtype,
            Path sourceDir) throws IOException {
        if (!(dtype == HostTensor.DType.F32 || dtype == HostTensor.DType.F16 || dtype == HostTensor.DType.BF16)) {
            throw new IllegalArgumentException("export dtype must be F32, F16 or BF16, got " + dtype);
        }
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Files.createDirectories(parent);
        recoverInterruptedWrite(target);
        checkReplaceable(target);
        boolean generationConfig = sourceDir != null && RegularFiles.isPresent(sourceDir.resolve(GENERATION_CONFIG));
        if (generationConfig) {
            specialTokens(sourceDir, config); // a bad one is refused here, before any writing, not by the copy's next reader
        }
        String tag = UUID.randomUUID().toString().substring(0, 8);
        Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + tag);
        Files.createDirectory(tmp);
        try {
            Files.writeString(tmp.resolve(CONFIG), configJson(config, dtype), StandardCharsets.UTF_8);
            Map<String, HostTensor> converted = new LinkedHashMap<>();
            normalizeNames(target, tensors, config).forEach((name, t) -> converted.put(name, t.dtype().isFloating() ? t.to(dtype) : t));
            Safetensors.write(tmp.resolve(SAFETENSORS), converted, Map.of());
            copyTokenizer(sourceDir, tmp, config);
            if (generationConfig) {
                // Its bytes, not Files.copy: that keeps a read-only source's mode, which the fsync below cannot open.
                Files.write(tmp.resolve(GENERATION_CONFIG), Files.readAllBytes(sourceDir.resolve(GENERATION_CONFIG)));
            }
            fsyncFiles(tmp);
            AtomicFiles.fsyncDir(tmp);
            swapIn(tmp, target, tag);
        } finally {
            if (Files.exists(tmp)) {
                AtomicFiles.deleteTree(tmp);
            }
        }
    }

    /**
     * Puts the directory {@code staged}, a finished {@link #write} in the same folder, at
     * {@code dir} with write's renames, so that a kill between them is recovered the same way.
     */
    public static void replace(Path staged, Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        recoverInterruptedWrite(target);
        checkReplaceable(target);
        swapIn(staged.toAbsolutePath().normalize(), target, UUID.randomUUID().toString().substring(0, 8));
    }

    /**
     * Refuses a target that a replace would lose more than an earlier {@link #write} with: the old
     * directory is deleted once the new one is in place, so it may hold only the files write makes.
     */
    public static void checkReplaceable(Path target) throws IOException {
        if (Files.notExists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(target + ": exists and is not a folder; expected a new folder or a model directory to"
                    + " replace");
        }
        List<String> foreign;
        try (Stream<Path> entries = Files.list(target)) {
            foreign = entries.map(p -> p.getFileName() + (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "/" : ""))
                    .filter(name -> !WRITTEN.contains(name)).sorted().toList();
        }
        if (!foreign.isEmpty()) {
            throw new IOException(target + ": holds " + ErrorLines.names(foreign) + ", which replacing it would delete; expected a new or"
                    + " empty folder, or a model directory collapse wrote (" + String.join(", ", WRITTEN) + ")");
        }
    }

    /** {@code source} renamed to {@code target}; an existing target is renamed aside first and deleted after. */
    private static void swapIn(Path source, Path target, String tag) throws IOException {
        if (!Files.isDirectory(source)) {
            throw new IOException(source + ": expected a model directory to put at " + target + ", found none");
        }
        Path parent = target.getParent();
        if (Files.exists(target)) {
            Path old = parent.resolve("." + target.getFileName() + ".old-" + tag);
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.fsyncDir(parent);
            AtomicFiles.deleteTree(old);
        } else {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.fsyncDir(parent);
        }
    }

    /**
     * A kill between write's two renames leaves the previous version at {@code .<name>.old-*} and no
     * {@code <name>}: put it back. Any other {@code .old-*} or {@code .tmp-*} sibling is a leftover
     * (after the second rename, a whole model copy), deleted.
     */
    public static void recoverInterruptedWrite(Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        List<Path> old = leftovers(target, ".old-");
        if (!Files.exists(target) && old.size() == 1) {
            Files.move(old.get(0), target, StandardCopyOption.ATOMIC_MOVE);
        }
        for (Path p : leftovers(target, ".old-")) {
            AtomicFiles.deleteTree(p);
        }
        for (Path p : leftovers(target, ".tmp-")) {
            AtomicFiles.deleteTree(p);
        }
    }

    /** Siblings named {@code .<name><kind>*} that write creates next to {@code target}. */
    private static List<Path> leftovers(Path target, String kind) throws IOException {
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return List.of();
        }
        String prefix = "." + target.getFileName() + kind;
        try (Stream<Path> siblings = Files.list(parent)) {
            return siblings.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
        }
    }

    /**
     * True when {@code dir} holds a tokenizer: tokenizer.json, or vocab.json with merges.txt. Half
     * of the pair is refused: silently using the bundled tokenizer instead would change every id.
     */
    public static boolean hasTokenizer(Path dir) throws IOException {
        if (dir == null) {
            return false;
        }
        boolean vocab = RegularFiles.isPresent(dir.resolve(TokenizerFiles.VOCAB_JSON));
        boolean merges = RegularFiles.isPresent(dir.resolve(TokenizerFiles.MERGES_TXT));
        if (RegularFiles.isPresent(dir.resolve(TokenizerFiles.TOKENIZER_JSON))) {
            return true;
        }
        if (vocab != merges) {
            String have = vocab ? TokenizerFiles.VOCAB_JSON : TokenizerFiles.MERGES_TXT;
            String lack = vocab ? TokenizerFiles.MERGES_TXT : TokenizerFiles.VOCAB_JSON;
            throw new CheckpointException(dir.resolve(lack), "missing, but " + have
                    + " is there: a BPE tokenizer needs both (or tokenizer.json)");
        }
        return vocab;
    }

    /** LmConfig's JSON with torch_dtype saying what model.safetensors holds. */
    private static String configJson(LmConfig config, HostTensor.DType dtype) {
        return config.toJson(switch (dtype) {
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> "float32";
        });
    }

    /**
     * The tokenizer of {@code tokenizerDir} when it has one, byte for byte, else the bundled OPT-125m
     * one where {@code config}'s embedding has a row for each of its ids: a smaller model gets none,
     * as it came, rather than one that every reader would refuse.
     */
    private static void copyTokenizer(Path tokenizerDir, Path into, LmConfig config) throws IOException {
        if (hasTokenizer(tokenizerDir)) {
            TokenizerFiles.read(tokenizerDir).writeTo(into);
        } else if (bundledTokenizerFits(config)) {
            TokenizerFiles.bundled().writeTo(into);
        }
    }

    /** Whether every id of the bundled OPT-125m tokenizer (50,265 tokens) is a row of {@code config}'s embedding. */
    public static boolean bundledTokenizerFits(LmConfig config) throws IOException {
        return TokenizerFiles.bundledVocabSize() <= config.vocabSize();
    }

    /** Flushes the files directly in {@code dir}. */
    private static void fsyncFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                        ch.force(true);
                    }
                }
            }
        }
    }
}
