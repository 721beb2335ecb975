package io.collapse.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.collapse.config.DataConfig;
import io.collapse.config.GenerationConfig;
import io.collapse.config.LmConfig;
import io.collapse.config.ModelConfig;
import io.collapse.config.Presets;
import io.collapse.config.RunConfig;
import io.collapse.config.SpecialTokens;
import io.collapse.config.Strategy;
import io.collapse.data.DataPaths;
import io.collapse.data.DataSource;
import io.collapse.data.DatasetManifest;
import io.collapse.data.DatasetText;
import io.collapse.data.TokenBlocks;
import io.collapse.io.AtomicFiles;
import io.collapse.io.ErrorLines;
import io.collapse.model.CausalLM;
import io.collapse.model.MemoryBudget;
import io.collapse.model.auto.AutoModelForCausalLM;
import io.collapse.model.hf.HfModelDir;
import io.collapse.model.hf.HostTensor;
import io.collapse.model.hf.ModelSource;
import io.collapse.text.AutoTokenizer;
import io.collapse.text.Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What every generation reads: the base model (materialised once in the run directory, so every
 * generation and every resume starts from the same weights), its tokenizer, and the data splits.
 *
 * @param checksums sha256 of each split's source, recorded in run.json
 */
record RunInputs(Tokenizer tokenizer, TokenBlocks train, TokenBlocks valid, TokenBlocks test,
        Map<String, String> checksums) {

    /**
     * Checks what the config names — the preset or local base directory, the dataset or corpus
     * file — and that its batches fit on {@code device}, so that a mistake is reported before the
     * run directory or the base model is written.
     */
    static void check(RunConfig cfg, Path runDir, Device device) throws IOException {
        boolean begun = begun(runDir);
        if (!begun) {
            checkNewRunDir(runDir);
        }
        LmConfig model = baseConfig(cfg.model(), runDir, begun);
        if (model != null) {
            if (cfg.data().blockSize() > model.maxPositionEmbeddings()) {
                throw new IOException("data.block_size " + cfg.data().blockSize() + " exceeds the base model's"
                        + " max_position_embeddings " + model.maxPositionEmbeddings());
            }
            requireMemory(cfg, model, device);
        }
        String dataset = cfg.data().dataset();
        DataSource source = source(dataset);
        if (source.file() != null) {
            if (!Files.isRegularFile(source.file())) {
                throw new IOException("data.dataset: corpus file " + source.file() + (Files.exists(source.file())
                        ? " is not a regular file (a folder, FIFO or device)" : " does not exist"));
            }
        } else {
            Set<String> known = DatasetManifest.read(DataPaths.locate().manifestFile()).datasets().keySet();
            if (!known.contains(dataset)) {
                throw new IOException("data.dataset: unknown dataset '" + dataset + "'; expected one of "
                        + new TreeSet<>(known) + ", text:PATH or jsonl:PATH");
            }
        }
    }

    /** Whether a run began in {@code runDir}: its run.json, written once the inputs are in place, is there. */
    private static boolean begun(Path runDir) {
        return Files.exists(runDir.resolve(RunFiles.RUN));
    }

    /**
     * A run begins in a new or empty folder, or in one that a start cut short left (its lock, its
     * base model): never among other files, which the run's own would overwrite or sweep away.
     */
    private static void checkNewRunDir(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) {
            return; // absent (made under the lock), or a file, which the lock refuses by name
        }
        List<String> foreign = AtomicFiles.othersIn(runDir,
                n -> n.equals(RunLock.FILE) || n.equals(RunFiles.BASE) || n.startsWith("." + RunFiles.BASE + "."));
        if (!foreign.isEmpty()) {
            throw new IOException(runDir + ": holds " + ErrorLines.names(foreign) + " but no " + RunFiles.RUN
                    + "; expected a new or empty folder, or a run directory to continue");
        }
    }

    /**
     * The base model's shape, known before anything is fetched or written: the run's own copy, a
     * preset or a local directory's config.json; null for a Hub id not yet downloaded.
     */
    private static LmConfig baseConfig(ModelConfig model, Path runDir, boolean begun) throws IOException {
        Path own = runDir.resolve(RunFiles.BASE).resolve(HfModelDir.CONFIG);
        if (begun && Files.isRegularFile(own)) {
            return LmConfig.read(own);
        }
        if (model.presetName() != null) {
            return Presets.get(model.presetName());
        }
        String base = model.base();
        if (!looksLikePath(base)) {
            return null;
        }
        Path config = Path.of(base).resolve(HfModelDir.CONFIG);
        if (!Files.isRegularFile(config)) {
            throw new IOException("model.base: '" + base + "' is not a model directory (no "
                    + HfModelDir.CONFIG + " there); expected preset:NAME, a local HF directory or a Hub id");
        }
        return LmConfig.read(config);
    }

    /**
     * Refuses a corpus batch or a micro-batch that cannot fit on the device. Evaluation and scoring
     * use the micro-batch too, with less memory than training, so the training check covers them.
     */
    private static void requireMemory(RunConfig cfg, LmConfig model, Device device) {
        int blockSize = cfg.data().blockSize();
        int corpusBatch = cfg.experiment().corpusBatch();
        GenerationConfig g = cfg.generation();
        MemoryBudget.require("run: experiment.corpus_batch " + corpusBatch + " × " + g.rowsPerPrompt()
                        + (g.strategy() == Strategy.BEAM ? " beams" : " rows") + " per prompt",
                MemoryBudget.decode(model, (long) corpusBatch * g.rowsPerPrompt(), (long) blockSize + g.maxNewTokens(), 4),
                device, "experiment.corpus_batch or generation.num_beams");
        MemoryBudget.require("run: train.micro_batch " + cfg.train().microBatch() + " of " + blockSize + "-token blocks",
                MemoryBudget.train(model, cfg.train().microBatch(), blockSize),
                device, "train.micro_batch");
    }

    /** A Hub id is {@code org/name}; anything absolute, relative to '.' or '~', or already on disk is meant as a directory. */
    private static boolean looksLikePath(String base) {
        return base.startsWith("/") || base.startsWith(".") || base.startsWith("~") || Files.exists(Path.of(base));
    }

    static RunInputs load(RunConfig cfg, Path runDir, Device device, PrintWriter log) throws IOException {
        Path base = ensureBase(cfg.model(), runDir.resolve(RunFiles.BASE), begun(runDir), device, log);
        Path config = base.resolve(HfModelDir.CONFIG);
        LmConfig model = LmConfig.read(config);
        // Read again at each corpus; refused here if bad (not after a day of training), and said when it overrides config.json.
        SpecialTokens tokens = HfModelDir.specialTokens(base, model);
        if (!tokens.equals(SpecialTokens.of(model))) {
            log.println("note: generation stops at eos ids " + shortList(tokens.eosTokenIds()) + " and pads with "
                    + (tokens.padOrEos().isPresent() ? tokens.padOrEos().getAsInt() : "nothing") + ", as "
                    + base.resolve(HfModelDir.GENERATION_CONFIG) + " says (config.json: eos " + model.eosTokenIds()
                    + ", pad " + model.padTokenId() + "), as transformers' generate does");
        }
        Tokenizer tokenizer = AutoTokenizer.forModel(base, model, config);
        DataConfig d = cfg.data();
        List<DataSource.LoadedSplit> splits = source(d.dataset()).load(DataPaths.locate(), DatasetText.SPLITS, tokenizer, d.blockSize());
        Map<String, String> checksums = new LinkedHashMap<>();
        for (int i = 0; i < DatasetText.SPLITS.size(); i++) {
            checksums.put(DatasetText.SPLITS.get(i), splits.get(i).text().sourceSha256());
        }
        return new RunInputs(tokenizer,
                splits.get(0).blocks().first(d.trainBlocks(), "data.train_blocks"),
                splits.get(1).blocks().first(d.validBlocks(), "data.valid_blocks"),
                splits.get(2).blocks().first(d.testBlocks(), "data.test_blocks"),
                checksums);
    }

    /** At most eight ids, then how many there are. */
    private static String shortList(List<Integer> ids) {
        return ids.size() <= 8 ? ids.toString() : ids.subList(0, 8) + "… (" + ids.size() + " ids)";
    }

    /** {@code text:PATH} and {@code jsonl:PATH} name a user corpus; anything else a dataset. */
    static DataSource source(String dataset) {
        if (dataset.startsWith("text:")) {
            return DataSource.userFile(DatasetText.Format.TEXT, Path.of(dataset.substring(5)), null, null);
        }
        if (dataset.startsWith("jsonl:")) {
            return DataSource.userFile(DatasetText.Format.JSONL, Path.of(dataset.substring(6)), null, null);
        }
        return DataSource.bundled(dataset);
    }

    /**
     * The run's own copy of the base model as an HF directory: a preset is created from its seed, a
     * directory or Hub id is read (downloaded when needed) and re-written in float32 safetensors.
     * Kept once the run has begun; before that it is made anew, for a start cut short may have
     * left the copy of another model.base.
     */
    static Path ensureBase(ModelConfig m, Path dir, boolean begun, Device device, PrintWriter log) throws IOException {
        if (begun && Files.isRegularFile(dir.resolve(HfModelDir.CONFIG))) {
            return dir;
        }
        String preset = m.presetName();
        if (preset != null) {
            log.println("creating base model: preset " + preset + ", init seed " + m.initSeed());
            try (NDManager manager = NDManager.newBaseManager(device)) {
                CausalLM model = AutoModelForCausalLM.random(Presets.get(preset), m.initSeed(), manager, DataType.FLOAT32);
                HfModelDir.write(dir, model.config(), model.stateDict(), HostTensor.DType.F32, null);
            }
        } else {
            Path source = ModelSource.resolve(m.base(), ModelSource.defaultCacheDir());
            log.println("copying base model from " + source);
            HfModelDir.Checkpoint c = HfModelDir.read(source);
            AutoModelForCausalLM.checkFits(c);
            HfModelDir.write(dir, c.config(), c.tensors(), HostTensor.DType.F32, source);
        }
        return dir;
    }
}
