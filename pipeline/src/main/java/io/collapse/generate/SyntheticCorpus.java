package io.collapse.generate;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.collapse.config.GenerationConfig;
import io.collapse.io.AtomicFiles;
import io.collapse.io.Checksums;
import io.collapse.io.ConsoleBars;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;

/**
 * A generation's synthetic corpus: for every prompt block (an original 64-token training block in
 * the paper) the model writes {@code max_new_tokens} new tokens, and those become one training
 * block of the next generation.
 *
 * <p>On disk: shards {@code shard-00000.bin}, … of {@code shard_blocks} blocks each, raw
 * little-endian ids (uint16 when the model's vocabulary fits, else int32), plus
 * {@code manifest.json}: counts, sha256 of every shard, the source prompt index of every block,
 * the decoding settings, the model's identity and a digest of the prompts. Every file is written
 * atomically; the manifest is rewritten after each shard. A writer killed at any instant resumes
 * after the last shard the manifest lists, and since every shard is decoded in the same batches
 * (and sampling streams depend only on the seed and the prompt's index), the result is
 * byte-identical to an uninterrupted run on the same machine.
 */
public final class SyntheticCorpus {

    public static final String MANIFEST = "manifest.json";
    public static final int FORMAT = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SyntheticCorpus() {}

    /** One finished shard. */
    public record Shard(
            @JsonProperty("file") String file,
            @JsonProperty("blocks") int blocks,
            @JsonProperty("sha256") String sha256,
            // prompt_indices[i]: the index (in the caller's prompt numbering) that block i continues.
            @JsonProperty("prompt_indices") long[] promptIndices) {}

    /** manifest.json. {@code complete} turns true with the last shard. */
    public record Manifest(
            @JsonProperty("format") int format,
            @JsonProperty("complete") boolean complete,
            @JsonProperty("blocks") int blocks,
            @JsonProperty("block_size") int blockSize,
            @JsonProperty("dtype") String dtype,
            @JsonProperty("shard_blocks") int shardBlocks,
            @JsonProperty("batch_size") int batchSize,
            @JsonProperty("model") String model,
            @JsonProperty("prompts_sha256") String promptsSha256,
            @JsonProperty("generation") GenerationConfig generation,
            @JsonProperty("short_blocks") int shortBlocks,
            @JsonProperty("shards") List<Shard> shards) {

        /** Whether a manifest found on disk belongs to the same job (then its shards are reused). */
        boolean sameJob(Manifest o) {
            return format == o.format && blocks == o.blocks && blockSize == o.blockSize && dtype.equals(o.dtype)
                    && shardBlocks == o.shardBlocks && batchSize == o.batchSize && model.equals(o.model)
                    && promptsSha256.equals(o.promptsSha256) && generation.equals(o.generation);
        }

        int blocksWritten() {
            return shards.stream().mapToInt(Shard::blocks).sum();
        }
    }

    /** Told after every batch (blocks done so far, of total) and every shard committed. */
    public interface Progress {
        void blocksDone(int done, int total);

        default void shardWritten(int shard, int shards) {}

        Progress NONE = (done, total) -> {};
    }

    /** A console bar: blocks done, ETA, blocks/s and new tokens/s since this process started writing. */
    public static final class Bar implements Progress, AutoCloseable {
        private final int tokensPerBlock;
        private ProgressBar bar;
        private long startNanos;
        private int startBlocks = -1;

        public Bar(int tokensPerBlock) {
            this.tokensPerBlock = tokensPerBlock;
        }

        @Override
        public void blocksDone(int done, int total) {
            if (bar == null) {
                bar = ConsoleBars.builder("corpus", total, " blocks", 1).build();
                startNanos = System.nanoTime();
                startBlocks = done; // a resumed run's earlier shards do not count towards the rate
            }
            bar.stepTo(done);
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            if (seconds > 0 && done > startBlocks) {
                double blocksPerSecond = (done - startBlocks) / seconds;
                bar.setExtraMessage(String.format("%.2f blocks/s %.0f new tok/s", blocksPerSecond,
                        blocksPerSecond * tokensPerBlock));
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }

    /**
     * Writes (or finishes) the corpus in {@code dir}.
     *
     * @param prompts prompt blocks, all of one width (the paper: the 64-token training blocks)
     * @param promptIndices the index each prompt is known by (e.g. its training block number); null
     *     means 0..n-1. Sampling seeds its streams from these, so they also fix the output.
     * @param model identity of the model (e.g. its directory and weights sha256), checked on resume
     * @param shardBlocks blocks per shard (e.g. 256); also the unit of resume
     * @param batchSize prompts per generate call; must divide shardBlocks so that batches never
     *     straddle a shard and a resumed run decodes exactly the same batches
     */
    public static Manifest write(Path dir, Generator generator, List<int[]> prompts, long[] promptIndices,
            String model, int shardBlocks, int batchSize, NDManager manager, Progress progress) throws IOException {
        GenerationConfig cfg = generator.config();
        if (cfg.numReturnSequences() != 1) {
            throw new IllegalArgumentException("synthetic corpus: generation.num_return_sequences must be 1, got "
                    + cfg.numReturnSequences());
        }
        if (shardBlocks < 1 || batchSize < 1 || shardBlocks % batchSize != 0) {
            throw new IllegalArgumentException("synthetic corpus: batch size " + batchSize
                    + " must be >= 1 and divide shard_blocks " + shardBlocks);
        }
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("synthetic corpus: no prompt blocks");
        }
        long[] indices = promptIndices != null ? promptIndices : range(prompts.size());
        if (indices.length != prompts.size()) {
            throw new IllegalArgumentException("synthetic corpus: " + indices.length + " prompt indices for "
                    + prompts.size() + " prompts");
        }
        int width = prompts.get(0).length;
        for (int i = 0; i < prompts.size(); i++) {
            if (prompts.get(i).length != width) {
                throw new IllegalArgumentException("synthetic corpus: prompt " + i + " has " + prompts.get(i).length
                        + " tokens; every prompt block must have " + width);
            }
        }
        int vocab = generator.vocabSize();
        String dtype = vocab <= 65536 ? "uint16" : "int32";
        Manifest fresh = new Manifest(FORMAT, false, prompts.size(), cfg.maxNewTokens(), dtype, shardBlocks, batchSize,
                model, promptsSha256(prompts, indices), cfg, 0, List.of());
        Manifest manifest = resumable(dir, fresh, generator.eosId());
        int shards = (prompts.size() + shardBlocks - 1) / shardBlocks;
        int shortBlocks = manifest.shortBlocks();
        List<Shard> done = new ArrayList<>(manifest.shards());
        progress.blocksDone(manifest.blocksWritten(), prompts.size());
        for (int s = done.size(); s < shards; s++) {
            int from = s * shardBlocks;
            int to = Math.min(prompts.size(), from + shardBlocks);
            int[][] blocks = new int[to - from][];
            for (int b = from; b < to; b += batchSize) {
                int end = Math.min(to, b + batchSize);
                int[][] batch = prompts.subList(b, end).toArray(new int[0][]);
                GenerateResult out;
                try (NDManager scope = manager.newSubManager()) {
                    out = generator.generate(batch, null, indices[b], scope);
                }
                for (int i = 0; i < batch.length; i++) {
                    blocks[b - from + i] = block(out.newTokens(i), cfg.maxNewTokens(), generator.padId());
                    shortBlocks += endsEarly(out.newTokens(i), cfg.maxNewTokens(), generator.eosId()) ? 1 : 0;
                }
                progress.blocksDone(end, prompts.size());
            }
            byte[] bytes = encode(blocks, dtype);
            String file = String.format("shard-%05d.bin", s);
            AtomicFiles.writeBytes(dir.resolve(file), bytes);
            done.add(new Shard(file, blocks.length, Checksums.sha256(bytes), Arrays.copyOfRange(indices, from, to)));
            manifest = new Manifest(FORMAT, s == shards - 1, prompts.size(), cfg.maxNewTokens(), dtype, shardBlocks,
                    batchSize, model, fresh.promptsSha256(), cfg, shortBlocks, List.copyOf(done));
            AtomicFiles.writeString(dir.resolve(MANIFEST), JSON.writeValueAsString(manifest));
            progress.shardWritten(s, shards);
        }
        return manifest;
    }

    /** The blocks of a complete corpus, in order, each shard checked against its sha256. */
    public static List<int[]> read(Path dir) throws IOException {
        Manifest manifest = readManifest(dir);
        if (manifest == null || !manifest.complete()) {
            throw new IOException(dir.resolve(MANIFEST) + ": " + (manifest == null ? "missing" : "incomplete")
                    + "; expected a finished synthetic corpus");
        }
        List<int[]> blocks = new ArrayList<>();
        for (Shard shard : manifest.shards()) {
            blocks.addAll(decode(verifiedShard(dir, shard), shard.blocks(), manifest.blockSize(), manifest.dtype()));
        }
        return blocks;
    }

    private static List<int[]> decode(byte[] bytes, int count, int width, String dtype) {
        List<int[]> blocks = new ArrayList<>(count);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int b = 0; b < count; b++) {
            int[] block = new int[width];
            for (int t = 0; t < width; t++) {
                block[t] = "uint16".equals(dtype) ? buf.getShort() & 0xffff : buf.getInt();
            }
            blocks.add(block);
        }
        return blocks;
    }

    public static Manifest readManifest(Path dir) throws IOException {
        Path file = dir.resolve(MANIFEST);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return JSON.readValue(file.toFile(), Manifest.class);
        } catch (IOException e) {
            throw new IOException(file + ": not a synthetic corpus manifest (" + e.getMessage() + ")", e);
        }
    }

    /** The manifest to continue from: the one on disk if it is this job's and its shards check out, else a fresh one. */
    private static Manifest resumable(Path dir, Manifest fresh, int eosId) throws IOException {
        Manifest found = readManifest(dir);
        if (found == null) {
            return fresh;
        }
        if (!found.sameJob(fresh)) {
            throw new IOException(dir.resolve(MANIFEST) + ": holds a different corpus (model, prompts, settings or"
                    + " shard layout differ); remove the directory or choose another");
        }
        // Keep the shards that check out, in order; from the first missing or altered one on, the
        // work is redone (the manifest on disk is only rewritten with the next finished shard).
        List<Shard> good = new ArrayList<>();
        for (Shard shard : found.shards()) {
            try {
                verifiedShard(dir, shard);
            } catch (IOException bad) {
                System.err.println("warning: " + bad.getMessage() + "; rewriting the corpus from shard " + good.size());
                return new Manifest(found.format(), false, found.blocks(), found.blockSize(), found.dtype(),
                        found.shardBlocks(), found.batchSize(), found.model(), found.promptsSha256(), found.generation(),
                        shortBlocks(dir, found, good, eosId), List.copyOf(good));
            }
            good.add(shard);
        }
        return found;
    }

    /** Short blocks among {@code shards}: only needed when later shards are dropped and the count must restart. */
    private static int shortBlocks(Path dir, Manifest m, List<Shard> shards, int eosId) throws IOException {
        int n = 0;
        for (Shard shard : shards) {
            for (int[] block : decode(verifiedShard(dir, shard), shard.blocks(), m.blockSize(), m.dtype())) {
                n += endsEarly(block, m.blockSize(), eosId) ? 1 : 0;
            }
        }
        return n;
    }

    private static byte[] verifiedShard(Path dir, Shard shard) throws IOException {
        Path file = dir.resolve(shard.file());
        if (!Files.exists(file)) {
            throw new IOException(file + ": listed in " + MANIFEST + " but missing");
        }
        byte[] bytes = Files.readAllBytes(file);
        String actual = Checksums.sha256(bytes);
        if (!actual.equals(shard.sha256())) {
            throw new IOException(file + ": sha256 " + actual + " does not match the manifest's " + shard.sha256());
        }
        return bytes;
    }

    /** Exactly {@code width} tokens: HF's row (EOS, then pads, when it ended early) padded with pad ids. */
    private static int[] block(int[] fresh, int width, int padId) {
        int[] out = Arrays.copyOf(fresh, width);
        Arrays.fill(out, Math.min(fresh.length, width), width, padId);
        return out;
    }

    private static boolean endsEarly(int[] fresh, int width, int eosId) {
        for (int t = 0; t < Math.min(fresh.length, width); t++) {
            if (fresh[t] == eosId) {
                return t < width - 1;
            }
        }
        return fresh.length < width;
    }

    private static byte[] encode(int[][] blocks, String dtype) {
        int width = blocks[0].length;
        int bytesPer = "uint16".equals(dtype) ? 2 : 4;
        ByteBuffer buf = ByteBuffer.allocate(blocks.length * width * bytesPer).order(ByteOrder.LITTLE_ENDIAN);
        for (int[] block : blocks) {
            for (int id : block) {
                if (bytesPer == 2) {
                    buf.putShort((short) id);
                } else {
                    buf.putInt(id);
                }
            }
        }
        return buf.array();
    }

    private static String promptsSha256(List<int[]> prompts, long[] indices) {
        MessageDigest sha = Checksums.newSha256();
        ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < prompts.size(); i++) {
            sha.update(buf.clear().putLong(indices[i]).array());
            for (int id : prompts.get(i)) {
                sha.update(buf.clear().putInt(id).array(), 0, 4);
            }
        }
        return Checksums.hex(sha);
    }

    private static long[] range(int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }
}
