package io.collapse.generate;

import ai.djl.ndarray.NDManager;
import io.collapse.config.GenerationConfig;
import io.collapse.data.BlockCodec;
import io.collapse.data.TokenBlocks;
import io.collapse.io.AtomicFiles;
import io.collapse.io.Checksums;
import io.collapse.io.DamagedFileException;
import io.collapse.model.Scope;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;

/**
 * A generation's synthetic corpus: for every prompt block (an original 64-token training block in
 * the paper) the model writes {@code max_new_tokens} new tokens, and those become one training
 * block of the next generation.
 *
 * <p>On disk: shards {@code shard-00000.bin}, … of {@code shard_blocks} blocks each, in
 * {@link BlockCodec}'s form (uint16 when the model's vocabulary fits, else int32), plus the
 * {@link CorpusManifest}. Every file is written atomically; the manifest is rewritten after each
 * shard. A writer killed at any instant resumes after the last shard the manifest lists, and since
 * every shard is decoded in the same batches (and sampling streams depend only on the seed and the
 * prompt's index), the result is byte-identical to an uninterrupted run on the same machine.
 */
public final class SyntheticCorpus {

    private SyntheticCorpus() {}

    /**
     * Writes (or finishes) the corpus in {@code dir}. Prompt i is known by index i: sampling seeds
     * its streams from it, so it also fixes the output.
     *
     * @param prompts prompt blocks (the paper: the 64-token training blocks)
     * @param model identity of the model (e.g. its directory and weights sha256), checked on resume
     * @param shardBlocks blocks per shard (e.g. 256); also the unit of resume
     * @param batchSize prompts per generate call; must divide shardBlocks so that batches never
     *     straddle a shard and a resumed run decodes exactly the same batches (unless it asks for
     *     another batch size: each shard in the manifest names its own)
     */
    public static CorpusManifest write(Path dir, Generator generator, TokenBlocks prompts, String model,
            int shardBlocks, int batchSize, NDManager manager, CorpusProgress progress) throws IOException {
        GenerationConfig cfg = generator.config();
        check(cfg, prompts, shardBlocks, batchSize);
        BlockCodec.Width width = BlockCodec.Width.forVocab(generator.vocabSize());
        CorpusManifest fresh = new CorpusManifest(CorpusManifest.FORMAT, false, prompts.numBlocks(), cfg.maxNewTokens(),
                width.dtype, shardBlocks, batchSize, model, promptsSha256(prompts), cfg, 0, List.of());
        CorpusManifest manifest = resumable(dir, fresh, generator.eosIds(), progress);
        int shards = (prompts.numBlocks() + shardBlocks - 1) / shardBlocks;
        int shortBlocks = manifest.shortBlocks();
        List<CorpusManifest.Shard> done = new ArrayList<>(manifest.shards());
        progress.blocksDone(manifest.blocksWritten(), prompts.numBlocks());
        for (int s = done.size(); s < shards; s++) {
            int from = s * shardBlocks;
            int to = Math.min(prompts.numBlocks(), from + shardBlocks);
            int[] ids = new int[(to - from) * cfg.maxNewTokens()];
            for (int b = from; b < to; b += batchSize) {
                int end = Math.min(to, b + batchSize);
                shortBlocks += continueBatch(generator, prompts, b, end, ids, (b - from) * cfg.maxNewTokens(), manager);
                progress.blocksDone(end, prompts.numBlocks());
            }
            byte[] bytes = BlockCodec.encode(TokenBlocks.of(ids, cfg.maxNewTokens()), width);
            String file = String.format("shard-%05d.bin", s);
            AtomicFiles.writeBytes(dir.resolve(file), bytes);
            done.add(new CorpusManifest.Shard(file, to - from, Checksums.sha256(bytes), batchSize,
                    LongStream.range(from, to).toArray()));
            manifest = fresh.with(s == shards - 1, shortBlocks, done);
            manifest.write(dir);
            progress.shardWritten(s, shards);
        }
        return manifest;
    }

    private static void check(GenerationConfig cfg, TokenBlocks prompts, int shardBlocks, int batchSize) {
        if (cfg.numReturnSequences() != 1) {
            throw new IllegalArgumentException("synthetic corpus: generation.num_return_sequences must be 1, got "
                    + cfg.numReturnSequences());
        }
        if (shardBlocks < 1 || batchSize < 1 || shardBlocks % batchSize != 0) {
            throw new IllegalArgumentException("synthetic corpus: batch size " + batchSize
                    + " must be >= 1 and divide shard_blocks " + shardBlocks);
        }
        if (prompts.numBlocks() == 0) {
            throw new IllegalArgumentException("synthetic corpus: no prompt blocks");
        }
    }

    /**
     * Continues prompts [from, to) in one generate call, writing each one's block into
     * {@code blocks} from {@code offset}. Returns how many of them ended early.
     */
    private static int continueBatch(Generator generator, TokenBlocks prompts, int from, int to, int[] blocks,
            int offset, NDManager manager) {
        int[][] batch = new int[to - from][];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = prompts.block(from + i);
        }
        GenerateResult out;
        try (Scope scope = Scope.of(manager)) {
            out = generator.generate(batch, null, from, scope.manager());
        }
        int width = generator.config().maxNewTokens();
        int shortBlocks = 0;
        for (int i = 0; i < batch.length; i++) {
            int[] fresh = out.newTokens(i);
            // Exactly width tokens: HF's row (EOS, then pads, when it ended early) padded with pad ids.
            int n = Math.min(fresh.length, width);
            System.arraycopy(fresh, 0, blocks, offset + i * width, n);
            Arrays.fill(blocks, offset + i * width + n, offset + (i + 1) * width, generator.padId());
            shortBlocks += endsEarly(fresh, width, generator.eosIds()) ? 1 : 0;
        }
        return shortBlocks;
    }

    /** The blocks of a complete corpus, in order, each shard checked against its sha256. */
    public static TokenBlocks read(Path dir) throws IOException {
        CorpusManifest manifest = CorpusManifest.read(dir);
        if (manifest == null || !manifest.complete()) {
            throw new IOException(dir.resolve(CorpusManifest.FILE) + ": " + (manifest == null ? "missing" : "incomplete")
                    + "; expected a finished synthetic corpus");
        }
        if (manifest.shards().isEmpty()) {
            throw new IOException(dir + ": the corpus has no blocks");
        }
        return read(dir, manifest, manifest.shards());
    }

    /** The blocks of {@code shards}, checked, concatenated. */
    private static TokenBlocks read(Path dir, CorpusManifest manifest, List<CorpusManifest.Shard> shards)
            throws IOException {
        BlockCodec.Width width;
        try {
            width = BlockCodec.Width.ofDtype(manifest.dtype());
        } catch (IllegalArgumentException e) {
            throw new IOException(dir.resolve(CorpusManifest.FILE) + ": " + e.getMessage(), e);
        }
        long bytesPerBlock = (long) manifest.blockSize() * width.bytes;
        ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(
                bytesPerBlock * shards.stream().mapToLong(CorpusManifest.Shard::blocks).sum()));
        for (CorpusManifest.Shard shard : shards) {
            byte[] bytes = CorpusManifest.verifiedShard(dir, shard);
            if (bytes.length != shard.blocks() * bytesPerBlock) {
                throw new IOException(dir.resolve(shard.file()) + ": " + bytes.length + " bytes, expected "
                        + shard.blocks() + " blocks of " + bytesPerBlock);
            }
            data.put(bytes);
        }
        return BlockCodec.decode(data.flip(), width, manifest.blockSize());
    }

    /** The manifest to continue from: the one on disk if it is this job's and its shards check out, else a fresh one. */
    private static CorpusManifest resumable(Path dir, CorpusManifest fresh, List<Integer> eosIds, CorpusProgress progress)
            throws IOException {
        CorpusManifest read;
        try {
            read = CorpusManifest.read(dir);
        } catch (DamagedFileException e) { // kept aside; the shards are written again (a disk error stops the run instead)
            Path aside = AtomicFiles.keepAside(dir.resolve(CorpusManifest.FILE));
            progress.rewritingFrom(0, e.getMessage() + "; kept as " + aside.getFileName());
            return fresh;
        }
        if (read == null) {
            return fresh;
        }
        CorpusManifest found = read.namingShardBatches(); // before the shards join a manifest of another batch size
        if (!found.sameJob(fresh)) {
            throw new IOException(dir.resolve(CorpusManifest.FILE) + ": holds a different corpus (model, prompts,"
                    + " settings or shard layout differ); remove the directory or choose another");
        }
        // Keep the shards that check out, in order; from the first missing or altered one on, the
        // work is redone (the manifest on disk is only rewritten with the next finished shard).
        List<CorpusManifest.Shard> good = new ArrayList<>();
        for (CorpusManifest.Shard shard : found.shards()) {
            try {
                CorpusManifest.verifiedShard(dir, shard);
            } catch (IOException bad) {
                progress.rewritingFrom(good.size(), bad.getMessage());
                return found.with(false, shortBlocks(read(dir, found, good), eosIds), good);
            }
            good.add(shard);
        }
        return found;
    }

    /** Short blocks among {@code blocks}: only needed when later shards are dropped and the count must restart. */
    private static int shortBlocks(TokenBlocks blocks, List<Integer> eosIds) {
        int n = 0;
        for (int i = 0; i < blocks.numBlocks(); i++) {
            n += endsEarly(blocks.block(i), blocks.blockSize(), eosIds) ? 1 : 0;
        }
        return n;
    }

    private static boolean endsEarly(int[] fresh, int width, List<Integer> eosIds) {
        for (int t = 0; t < Math.min(fresh.length, width); t++) {
            if (eosIds.contains(fresh[t])) {
                return t < width - 1;
            }
        }
        return fresh.length < width;
    }

    /** sha256 over each prompt's index (int64) and ids (int32), little-endian: the prompts a corpus continues. */
    private static String promptsSha256(TokenBlocks prompts) {
        MessageDigest sha = Checksums.newSha256();
        ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        int[] block = new int[prompts.blockSize()];
        for (int i = 0; i < prompts.numBlocks(); i++) {
            sha.update(buf.clear().putLong(i).array());
            prompts.copyBlock(i, block, 0);
            for (int id : block) {
                sha.update(buf.clear().putInt(id).array(), 0, 4);
            }
        }
        return Checksums.hex(sha);
    }
}
