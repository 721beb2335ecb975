package io.collapse.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.collapse.data.DataPaths;
import io.collapse.data.DataSource;
import io.collapse.data.DatasetText;
import io.collapse.text.AutoTokenizer;
import io.collapse.text.OptTokenizer;
import io.collapse.text.TextEncoder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Reads a dataset, checks it, cuts it into token blocks (cached) and prints what came out per split. */
@Command(
        name = "data",
        description = {
            "Tokenize a dataset and cut each split into blocks, cached under <cache>/blocks; print per split the"
                    + " examples, tokens, blocks and the sha256 of the block ids (int32, little-endian).",
            "Each example is tokenized on its own and a split's last partial block is dropped. A user corpus"
                    + " (--text/--jsonl) is the train split; a valid or test split not given by --valid/--test is held"
                    + " out from its end: 5%% of its examples, at least one, valid first."
        })
final class DataCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    DataSourceOptions source;

    @Option(names = "--valid", paramLabel = "FILE", description = "Validation file for --text/--jsonl (same format).")
    Path valid;

    @Option(names = "--test", paramLabel = "FILE", description = "Test file for --text/--jsonl (same format).")
    Path test;

    @Option(names = "--split", split = ",", paramLabel = "SPLIT",
            description = "Splits to process, of train, valid, test (default: all three).")
    List<String> splits;

    @Mixin BlockSizeOption block;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "Tokenizer directory (tokenizer.json, or vocab.json + merges.txt); default the bundled OPT-125m one.")
    Path tokenizer;

    @Mixin CacheDirOption cache;

    @Mixin JsonStdout stdout;

    @Override
    public Integer call() throws Exception {
        int blockSize = block.tokens();
        long start = System.nanoTime();
        DataSource dataSource = source.dataSource(valid, test);
        TextEncoder encoder = tokenizer == null ? OptTokenizer.embedded() : AutoTokenizer.fromDir(tokenizer);
        DataPaths paths = cache.dataPaths();
        List<DataSource.LoadedSplit> loaded = dataSource.load(paths, splits == null ? DatasetText.SPLITS : splits, encoder,
                blockSize);
        double seconds = (System.nanoTime() - start) / 1e9;

        String name = source.name();
        ObjectNode doc = CliSupport.JSON.createObjectNode();
        doc.put("dataset", name);
        doc.put("block_size", blockSize);
        doc.put("tokenizer", encoder.fingerprint());
        doc.put("cache_dir", paths.blockCacheDir().toString());
        ObjectNode splitsNode = doc.putObject("splits");
        for (DataSource.LoadedSplit s : loaded) {
            ObjectNode n = splitsNode.putObject(s.text().split());
            n.put("examples", s.blocks().examples());
            n.put("tokens", s.blocks().tokens());
            n.put("blocks", s.blocks().numBlocks());
            n.put("dropped_tokens", s.blocks().droppedTokens());
            n.put("ids_sha256", s.blocks().idsSha256());
            n.put("source", s.text().source());
            n.put("source_sha256", s.text().sourceSha256());
            n.put("cache_file", s.cacheFile().toString());
        }
        doc.put("seconds", Math.round(seconds * 1000) / 1000.0);

        stdout.print(doc, out -> {
            out.printf("%s, blocks of %d tokens, tokenizer %s%n", name, blockSize, encoder.fingerprint());
            out.printf("%-6s %9s %10s %8s %8s  %s%n", "split", "examples", "tokens", "blocks", "dropped", "sha256 of block ids (int32 LE)");
            for (DataSource.LoadedSplit s : loaded) {
                out.printf("%-6s %9d %10d %8d %8d  %s%n", s.text().split(), s.blocks().examples(), s.blocks().tokens(),
                        s.blocks().numBlocks(), s.blocks().droppedTokens(), s.blocks().idsSha256());
            }
            out.printf("cache %s, %.1f s%n", paths.blockCacheDir(), seconds);
        });
        return 0;
    }
}
