package io.collapse.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.config.GenerationConfig;
import io.collapse.eval.PplFile;
import io.collapse.generate.CorpusManifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Writes run directories in the run-directory format (README, "Run directories") with made-up numbers shaped like collapse: each
 * later generation's perplexities are lower and narrower with a growing high tail, its corpus
 * uses fewer token ids and loops more. Regime "b" (original data kept) collapses half as fast.
 */
public final class SyntheticRuns {

    public static final int SEQUENCES = 2000;
    public static final int BLOCK = 64;
    public static final List<String> REGIMES = List.of("a", "b");
    public static final List<Integer> SEEDS = List.of(0, 1);
    public static final int GENERATIONS = 3;

    private static final ObjectMapper JSON = new ObjectMapper();

    private SyntheticRuns() {}

    /** A sweep directory (with sweep.json) of 2 regimes × 2 seeds × 3 generations; returns it. */
    public static Path sweep(Path root) throws IOException {
        ObjectNode sweep = JSON.createObjectNode();
        ArrayNode names = sweep.putArray("runs");
        for (String regime : REGIMES) {
            for (int seed : SEEDS) {
                String name = regime + "-seed" + seed;
                names.add(name);
                run(root.resolve(name), regime, seed, GENERATIONS);
            }
        }
        Files.createDirectories(root);
        JSON.writeValue(root.resolve("sweep.json").toFile(), sweep);
        return root;
    }

    public static void run(Path dir, String regime, int seed, int generations) throws IOException {
        Files.createDirectories(dir);
        ObjectNode run = JSON.createObjectNode().put("format", 1).put("name", dir.getFileName().toString())
                .put("created", "2026-01-01T00:00:00Z").put("collapse_version", "test").put("seed", seed);
        run.putObject("config");
        run.putObject("regime").put("name", regime).put("keep_fraction", regime.equals("a") ? 0.0 : 0.1)
                .put("data_mode", "replace").put("start_from", "base");
        JSON.writeValue(dir.resolve("run.json").toFile(), run);
        JSON.writeValue(dir.resolve("state.json").toFile(),
                JSON.createObjectNode().put("generation", generations - 1).put("phase", "done"));
        double speed = regime.equals("a") ? 1.0 : 0.5;
        Random rnd = new Random(1000L * seed + regime.hashCode());
        for (int g = 0; g < generations; g++) {
            Path gen = dir.resolve(String.format("gen-%02d", g));
            Files.createDirectories(gen);
            if (g == 0) {
                writeF32(gen.resolve("real-ppl.f32"), ppl(rnd, 1.35, 0.30, 0.0));
            }
            writeF32(gen.resolve("corpus-ppl.f32"),
                    ppl(rnd, 1.0 - 0.15 * speed * g, 0.25 - 0.05 * speed * g, 0.02 * speed * g));
            corpus(gen.resolve("corpus"), rnd, (int) Math.round(4000 / (1 + speed * g * 2)), 0.3 * speed * g);
            eval(gen.resolve("eval.json"), g, 34 + 9 * speed * g + rnd.nextDouble());
        }
    }

    /** log10(ppl) ~ N(mu, sigma), except a share {@code tail} drawn from U(2, 3): the high-perplexity tail. */
    static float[] ppl(Random rnd, double mu, double sigma, double tail) {
        float[] out = new float[SEQUENCES];
        for (int i = 0; i < out.length; i++) {
            double log10 = rnd.nextDouble() < tail ? 2 + rnd.nextDouble() : mu + sigma * rnd.nextGaussian();
            out[i] = (float) Math.pow(10, Math.max(0.01, log10));
        }
        return out;
    }

    /**
     * Blocks of ids in [3, 3 + vocab) in the corpus writer's own format (manifest + uint16 shards);
     * a share {@code loops} of blocks repeat a 4-token phrase.
     */
    static void corpus(Path dir, Random rnd, int vocab, double loops) throws IOException {
        Files.createDirectories(dir);
        List<CorpusManifest.Shard> shards = new ArrayList<>();
        int[] sizes = {SEQUENCES / 2, SEQUENCES - SEQUENCES / 2};
        for (int s = 0; s < sizes.length; s++) {
            ByteBuffer buf = ByteBuffer.allocate(sizes[s] * BLOCK * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (int b = 0; b < sizes[s]; b++) {
                boolean loop = rnd.nextDouble() < loops;
                int[] phrase = {3 + rnd.nextInt(vocab), 3 + rnd.nextInt(vocab), 3 + rnd.nextInt(vocab), 3 + rnd.nextInt(vocab)};
                for (int t = 0; t < BLOCK; t++) {
                    buf.putShort((short) (loop ? phrase[t % 4] : 3 + rnd.nextInt(vocab)));
                }
            }
            String file = String.format("shard-%05d.bin", s);
            Files.write(dir.resolve(file), buf.array());
            long[] prompts = java.util.stream.LongStream.range(s * (long) sizes[0], s * (long) sizes[0] + sizes[s]).toArray();
            shards.add(new CorpusManifest.Shard(file, sizes[s], sha256(buf.array()), null, prompts));
        }
        CorpusManifest manifest = new CorpusManifest(CorpusManifest.FORMAT, true, SEQUENCES, BLOCK,
                "uint16", SEQUENCES / 2, SEQUENCES / 2, "synthetic", "none", GenerationConfig.paper(BLOCK), 0, shards);
        JSON.writeValue(dir.resolve(CorpusManifest.FILE).toFile(), manifest);
    }

    static void eval(Path file, int g, double testPpl) throws IOException {
        ObjectNode e = JSON.createObjectNode().put("generation", g);
        e.putObject("test").put("loss", Math.log(testPpl)).put("corpus_ppl", testPpl).put("mean_batch_ppl", testPpl * 1.02)
                .put("tokens", 245000).put("blocks", 3900);
        e.putObject("valid").put("loss", Math.log(testPpl - 1)).put("corpus_ppl", testPpl - 1)
                .put("mean_batch_ppl", (testPpl - 1) * 1.02);
        ArrayNode samples = e.putArray("samples");
        samples.addObject().put("prompt_index", 0).put("prompt", " Valkyria Chronicles III is a tactical role @-@ playing game")
                .put("continuation", g == 0 ? " developed by Sega and Media.Vision for the PlayStation Portable."
                        : " <b>the</b> the the the & game game game".repeat(g));
        samples.addObject().put("prompt_index", 7).put("prompt", " The church tower was built in")
                .put("continuation", " 1360 by architect number " + g + ".");
        JSON.writeValue(file.toFile(), e);
    }

    static void writeF32(Path file, float[] values) throws IOException {
        double[] wide = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            wide[i] = values[i];
        }
        PplFile.write(file, wide);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
