package io.collapse.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.collapse.config.GenerationConfig;
import io.collapse.config.StrictJson;
import io.collapse.io.Checksums;
import io.collapse.io.JsonFiles;
import io.collapse.io.RegularFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A synthetic corpus's {@code manifest.json}: counts, the sha256 of every shard, the source prompt
 * index of every block, the decoding settings, the model's identity and a digest of the prompts.
 * {@code complete} turns true with the last shard. {@code batchSize} is the last writer's; each
 * shard names its own (a run may continue with smaller batches).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record CorpusManifest(
        int format,
        boolean complete,
        int blocks,
        int blockSize,
        String dtype,
        int shardBlocks,
        int batchSize,
        String model,
        String promptsSha256,
        GenerationConfig generation,
        int shortBlocks,
        List<Shard> shards) {

    public static final String FILE = "manifest.json";
    public static final int FORMAT = 1;

    /**
     * The counts agree with each other, as every manifest the writer makes does: a hand-edited or
     * damaged one fails to read (and is kept aside, the corpus written again) instead of failing later
     * with an overflow or a "different corpus".
     */
    public CorpusManifest {
        shards = shards == null ? List.of() : List.copyOf(shards);
        long written = 0;
        for (Shard shard : shards) {
            if (shard == null || shard.blocks() < 1 || shard.blocks() > shardBlocks) {
                throw new IllegalArgumentException("a shard of " + (shard == null ? "null" : shard.blocks())
                        + " blocks; expected 1.." + shardBlocks + " (shard_blocks)");
            }
            written += shard.blocks();
        }
        if (blocks < 0 || blockSize < 1 || shardBlocks < 1 || written > blocks || (complete && written != blocks)
                || shortBlocks < 0 || shortBlocks > written) {
            throw new IllegalArgumentException("counts that disagree: blocks " + blocks + ", block_size " + blockSize
                    + ", shard_blocks " + shardBlocks + ", " + written + " blocks in shards" + (complete ? " (complete)" : "")
                    + ", short_blocks " + shortBlocks);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One finished shard, decoded {@code batchSize} prompts per generate call (null in a manifest
     * written before shards recorded it: the manifest's own batch size).
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Shard(
            String file,
            int blocks,
            String sha256,
            Integer batchSize,
            // prompt_indices[i]: the index (in the caller's prompt numbering) that block i continues.
            long[] promptIndices) {}

    /**
     * Whether a manifest found on disk belongs to the same job (then its shards are reused). The
     * batch size may differ: a run that ran out of memory continues with smaller batches.
     */
    boolean sameJob(CorpusManifest o) {
        return format == o.format && blocks == o.blocks && blockSize == o.blockSize && dtype.equals(o.dtype)
                && shardBlocks == o.shardBlocks && model.equals(o.model)
                && promptsSha256.equals(o.promptsSha256) && generation.equals(o.generation);
    }

    /** This manifest with its own batch size named in each shard written before shards named it. */
    CorpusManifest namingShardBatches() {
        return with(complete, shortBlocks, shards.stream().map(sh -> sh.batchSize() != null ? sh
                : new Shard(sh.file(), sh.blocks(), sh.sha256(), batchSize, sh.promptIndices())).toList());
    }

    int blocksWritten() {
        return shards.stream().mapToInt(Shard::blocks).sum();
    }

    /** This manifest with {@code shards} done, complete when {@code complete}. */
    CorpusManifest with(boolean complete, int shortBlocks, List<Shard> shards) {
        return new CorpusManifest(format, complete, blocks, blockSize, dtype, shardBlocks, batchSize, model,
                promptsSha256, generation, shortBlocks, List.copyOf(shards));
    }

    /** The manifest in {@code dir}, or null when there is none. */
    public static CorpusManifest read(Path dir) throws IOException {
        return JsonFiles.readIfPresent(JSON, dir.resolve(FILE), CorpusManifest.class, "not a synthetic corpus manifest",
                StrictJson::reason);
    }

    void write(Path dir) throws IOException {
        JsonFiles.write(JSON, dir.resolve(FILE), this);
    }

    /** The bytes of {@code shard}, checked against the sha256 listed here. */
    static byte[] verifiedShard(Path dir, Shard shard) throws IOException {
        Path file = dir.resolve(shard.file());
        if (!Files.exists(file)) {
            throw new IOException(file + ": listed in " + FILE + " but missing");
        }
        String instead = RegularFiles.instead(file);
        if (instead != null) {
            throw new IOException(file + ": listed in " + FILE + " but " + instead);
        }
        byte[] bytes = Files.readAllBytes(file);
        String actual = Checksums.sha256(bytes);
        if (!actual.equals(shard.sha256())) {
            throw new IOException(file + ": sha256 " + actual + " does not match the manifest's " + shard.sha256());
        }
        return bytes;
    }
}
