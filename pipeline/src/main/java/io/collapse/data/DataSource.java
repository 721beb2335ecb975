package io.collapse.data;

import io.collapse.text.TextEncoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What to read: a bundled dataset by name, or the user's own corpus file (with optional valid and
 * test files; see {@link DatasetText#userFiles} for the held-out split when they are absent).
 *
 * @param dataset bundled dataset name, or null for a user corpus
 * @param file    user corpus (train), or null for a bundled dataset
 * @param format  how {@code file}, {@code valid} and {@code test} hold examples; null for a bundled dataset
 */
public record DataSource(String dataset, Path file, DatasetText.Format format, Path valid, Path test) {

    public DataSource {
        if ((dataset == null) == (file == null)) {
            throw new IllegalArgumentException("data source: expected exactly one of a dataset name or a corpus file, got "
                    + dataset + " and " + file);
        }
        if (file != null && format == null) {
            throw new IllegalArgumentException("data source " + file + ": expected a format (TEXT or JSONL)");
        }
        if (dataset != null && (valid != null || test != null)) {
            throw new IllegalArgumentException("data source " + dataset + ": valid/test files go with a corpus file only");
        }
    }

    public static DataSource bundled(String dataset) {
        return new DataSource(dataset, null, null, null, null);
    }

    public static DataSource userFile(DatasetText.Format format, Path train, Path valid, Path test) {
        return new DataSource(null, train, format, valid, test);
    }

    /** One split, read, checked and cut into blocks. */
    public record LoadedSplit(SplitText text, TokenBlocks blocks, Path cacheFile) {}

    /**
     * Reads {@code splits} (a subset of train, valid, test, in the order given), tokenizes every
     * example with {@code encoder} and cuts blocks of {@code blockSize}, through the block cache
     * under {@code paths}.
     */
    public List<LoadedSplit> load(DataPaths paths, List<String> splits, TextEncoder encoder, int blockSize)
            throws IOException {
        for (String s : splits) {
            if (!DatasetText.SPLITS.contains(s)) {
                throw new IllegalArgumentException("split '" + s + "': expected one of " + DatasetText.SPLITS);
            }
        }
        DatasetText text = dataset != null
                ? DatasetText.bundled(paths, DatasetManifest.read(paths.manifestFile()), dataset, splits,
                        RawWikitextDownload.fromEnvironment(paths))
                : DatasetText.userFiles(format, file, valid, test);
        BlockCache cache = new BlockCache(paths.blockCacheDir());
        List<LoadedSplit> loaded = new ArrayList<>();
        for (String s : splits) {
            loaded.add(cache.loadSplit(text.split(s), encoder, blockSize));
        }
        return loaded;
    }
}
