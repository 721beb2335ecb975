package io.collapse.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.collapse.config.StrictJson;
import io.collapse.config.TrainConfig;
import io.collapse.io.AtomicFiles;
import io.collapse.io.Checksums;
import io.collapse.io.JsonFiles;
import io.collapse.model.hf.CheckpointException;
import io.collapse.model.hf.HostTensor;
import io.collapse.model.hf.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a fine-tuning run stands, in {@code <out>/state/state.json}: the commit point of a
 * checkpoint. The weights and AdamW moments it names are written first (step-stamped files);
 * this file is then replaced atomically; older step files are deleted last. A kill at any instant
 * leaves a state.json whose files exist.
 *
 * <p>No RNG state is stored because none is carried: the data order of epoch e is a function of
 * (seed, e) and the dropout generator is reseeded from (seed, step) before every step.
 *
 * @param epoch the epoch to continue in
 * @param stepInEpoch optimizer steps already done in that epoch
 * @param globalStep optimizer steps done in the whole run
 * @param epochLossSum sum of the step losses of the epoch in progress (for its mean train loss)
 * @param epochSteps steps summed in {@code epochLossSum}
 * @param bestValidLoss lowest validation loss so far (mean token NLL), null before the first validation
 * @param history every validation so far
 * @param lossScale fp16 mixed precision: the loss scale to continue with (null otherwise)
 * @param lossScaleGoodSteps fp16: finite steps since the scale last changed
 * @param crc32c the CRC32C of the weight and optimizer files, by name, checked before a resume
 *     loads them (null in a state written before 0.3.3)
 * @param startWeightsSha256 {@link io.collapse.model.CausalLM#weightsSha256} of the weights the
 *     training started from, so that it is never continued from others (null in older states: not checked)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TrainState(
        int format,
        TrainConfig config,
        String trainSha256,
        String validSha256,
        int epoch,
        int stepInEpoch,
        long globalStep,
        double epochLossSum,
        int epochSteps,
        boolean finished,
        Double bestValidLoss,
        int bestEpoch,
        long bestStep,
        String weights,
        String optimizer,
        List<Validation> history,
        Double lossScale,
        int lossScaleGoodSteps,
        Map<String, String> crc32c,
        String startWeightsSha256) {

    /**
     * One validation: after {@code step} optimizer steps, in {@code epoch}; {@code trainLoss} is the
     * mean step loss since the previous validation.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Validation(
            int epoch,
            long step,
            double validLoss,
            double trainLoss) {}

    /**
     * Where a run continues after a checkpoint.
     *
     * @param epoch the epoch to continue in
     * @param stepInEpoch optimizer steps already done in it (0: the epoch starts)
     * @param globalStep optimizer steps done in the whole run
     * @param epochLossSum sum of the step losses of the epoch in progress
     * @param epochSteps steps summed in {@code epochLossSum}
     */
    record Position(int epoch, int stepInEpoch, long globalStep, double epochLossSum, int epochSteps) {}

    /** Before the first step. */
    static TrainState start(TrainConfig config, String trainSha256, String validSha256, String startWeightsSha256) {
        return new Builder(config, trainSha256, validSha256, startWeightsSha256).build();
    }

    /** Whether a validation loss beats the best so far (the first always does). */
    boolean improvedBy(double validLoss) {
        return improves(validLoss, bestValidLoss);
    }

    private static boolean improves(double validLoss, Double best) {
        return best == null || validLoss < best;
    }

    /** A builder holding this state's values, to set what a checkpoint changes. */
    Builder toBuilder() {
        return toBuilder(config);
    }

    /** As {@link #toBuilder()}, for a run continued under {@code config} (a memory setting changed). */
    Builder toBuilder(TrainConfig config) {
        Builder b = new Builder(config, trainSha256, validSha256, startWeightsSha256);
        b.format = format;
        b.at = new Position(epoch, stepInEpoch, globalStep, epochLossSum, epochSteps);
        b.finished = finished;
        b.bestValidLoss = bestValidLoss;
        b.bestEpoch = bestEpoch;
        b.bestStep = bestStep;
        b.weights = weights;
        b.optimizer = optimizer;
        b.history = history;
        b.lossScale = lossScale;
        b.lossScaleGoodSteps = lossScaleGoodSteps;
        b.crc32c = crc32c;
        return b;
    }

    /** A state under construction: each setter names the fields it sets; {@link #build} makes the record. */
    static final class Builder {
        private final TrainConfig config;
        private final String trainSha256;
        private final String validSha256;
        private final String startWeightsSha256;
        private int format = 1;
        private Position at = new Position(0, 0, 0, 0, 0);
        private boolean finished;
        private Double bestValidLoss;
        private int bestEpoch = -1;
        private long bestStep = -1;
        private String weights;
        private String optimizer;
        private List<Validation> history = List.of();
        private Double lossScale;
        private int lossScaleGoodSteps;
        private Map<String, String> crc32c;

        private Builder(TrainConfig config, String trainSha256, String validSha256, String startWeightsSha256) {
            this.config = config;
            this.trainSha256 = trainSha256;
            this.validSha256 = validSha256;
            this.startWeightsSha256 = startWeightsSha256;
        }

        /** Where the run continues, and whether it is done. */
        Builder position(Position at, boolean finished) {
            this.at = at;
            this.finished = finished;
            return this;
        }

        /** {@code v} becomes the best validation when it improves on the best so far. */
        Builder bestIfImproved(Validation v) {
            if (improves(v.validLoss(), bestValidLoss)) {
                bestValidLoss = v.validLoss();
                bestEpoch = v.epoch();
                bestStep = v.step();
            }
            return this;
        }

        /** The weight and optimizer files in the state folder {@code dir} that this state names, and their CRC32C. */
        Builder files(Path dir, String weights, String optimizer) throws IOException {
            this.weights = weights;
            this.optimizer = optimizer;
            Map<String, String> crc = new LinkedHashMap<>(); // in this order, so that state.json's bytes repeat
            crc.put(weights, Checksums.crc32c(dir.resolve(weights)));
            crc.put(optimizer, Checksums.crc32c(dir.resolve(optimizer)));
            this.crc32c = crc;
            return this;
        }

        Builder history(List<Validation> history) {
            this.history = List.copyOf(history);
            return this;
        }

        /** fp16's loss scale and its count of finite steps (none without a scaler). */
        Builder lossScale(LossScaler scaler) {
            this.lossScale = scaler == null ? null : scaler.scale();
            this.lossScaleGoodSteps = scaler == null ? 0 : scaler.goodSteps();
            return this;
        }

        TrainState build() {
            return new TrainState(format, config, trainSha256, validSha256, at.epoch(), at.stepInEpoch(),
                    at.globalStep(), at.epochLossSum(), at.epochSteps(), finished, bestValidLoss, bestEpoch, bestStep,
                    weights, optimizer, history, lossScale, lossScaleGoodSteps, crc32c, startWeightsSha256);
        }
    }

    static final String FILE = "state.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * The state in {@code dir}, or null when no checkpoint was ever committed there. What the file
     * holds being unusable (torn, not JSON, null, not a file) is a {@link io.collapse.io.DamagedFileException};
     * an error reading it (the disk, permissions) is not.
     */
    public static TrainState readIfPresent(Path dir) throws IOException {
        return JsonFiles.readIfPresent(JSON, dir.resolve(FILE), TrainState.class, "not a readable training state",
                StrictJson::reason);
    }

    /** Refuses weight or optimizer files in {@code dir} whose CRC32C is not the one recorded (a state from before 0.3.3 has none). */
    void checkFiles(Path dir) throws IOException {
        if (crc32c == null) {
            return;
        }
        for (Map.Entry<String, String> f : crc32c.entrySet()) {
            String found;
            try {
                found = Checksums.crc32c(dir.resolve(f.getKey()));
            } catch (NoSuchFileException gone) { // only its absence is damage; another read error stops the run
                throw new CheckpointException(dir.resolve(f.getKey()), "missing, but " + FILE + " names it: the checkpoint is damaged");
            }
            if (!found.equals(f.getValue())) {
                throw new CheckpointException(dir.resolve(f.getKey()), "CRC32C " + found + ", but " + FILE + " recorded "
                        + f.getValue() + ": the checkpoint is damaged");
            }
        }
    }

    /** Commits this state: its weight and optimizer files must already be in {@code dir}. */
    void commit(Path dir) throws IOException {
        JsonFiles.write(JSON, dir.resolve(FILE), this);
        removeUnreferenced(dir);
    }

    /**
     * Deletes the weight and optimizer files this state does not name: those of older states, and
     * any that a failed write (a full disk) left before the state could be committed. Only
     * checkpoint files ({@code weights-*}, {@code optimizer-*}): anything else is not ours to delete.
     */
    void removeUnreferenced(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                boolean ours = name.startsWith("weights-") || name.startsWith("optimizer-");
                if (ours && name.endsWith(".safetensors") && !name.equals(weights) && !name.equals(optimizer)) {
                    Files.delete(p);
                }
            }
        }
    }

    /** safetensors written to a temporary name in the same folder, flushed, then renamed. */
    static void writeSafetensors(Path target, Map<String, HostTensor> tensors, Map<String, String> metadata)
            throws IOException {
        AtomicFiles.writeFile(target, tmp -> Safetensors.write(tmp, tensors, metadata));
    }
}
