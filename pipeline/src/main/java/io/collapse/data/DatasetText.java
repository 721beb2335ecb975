package io.collapse.data;

import io.collapse.io.Checksums;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** A dataset's splits as examples: a bundled dataset, or the user's own corpus. */
public record DatasetText(String name, List<SplitText> splits) {

    public static final List<String> SPLITS = List.of("train", "valid", "test");

    /** Share of a user corpus's examples held out per missing split (valid, test), from the end of the file. */
    public static final double HELD_OUT_FRACTION = 0.05;

    public DatasetText {
        splits = List.copyOf(splits);
    }

    public SplitText split(String split) {
        return splits.stream()
                .filter(s -> s.split().equals(split))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("corpus " + name + " has no split '" + split + "'"));
    }

    /**
     * Splits of a bundled dataset (in the order asked), each checked against the manifest; a split
     * that is not bundled comes from {@code downloader}.
     */
    public static DatasetText bundled(DataPaths paths, DatasetManifest manifest, String dataset, List<String> splits,
            RawWikitextDownload downloader) throws IOException {
        List<SplitText> texts = new ArrayList<>();
        for (String split : splits) {
            DatasetManifest.SplitFile f = manifest.split(dataset, split);
            String source;
            byte[] content;
            if (f.file() != null) {
                Path file = paths.datasetsDir().resolve(f.file());
                source = file.toString();
                content = readMaybeGzip(file, "dataset " + dataset + " split " + split + ", listed in " + paths.manifestFile());
                f.verify(content, file.toString());
            } else {
                source = downloader.localFile(dataset, f).toString();
                content = downloader.fetch(dataset, f);
            }
            // Both paths verified the content: where the manifest gives a sha256, it is the content's.
            String sha256 = f.sha256() != null ? f.sha256() : Checksums.sha256(content);
            texts.add(new SplitText(split, source, sha256, Examples.fromText(Examples.decodeUtf8(content, source))));
        }
        return new DatasetText(dataset, texts);
    }

    /** How a user corpus file holds its examples. */
    public enum Format {
        /** One example per line, with the same line rules as wikitext ({@link Examples#fromText}). */
        TEXT,
        /** One JSON object per line with a string field {@code text} ({@link Examples#fromJsonl}). */
        JSONL
    }

    /**
     * The user's own corpus: train from {@code train}; valid and test from their files when given
     * (may be null), else held out from the end of {@code train}'s examples: with both missing,
     * train keeps the first 90%, valid the next 5%, test the last 5%; with one missing, it takes the
     * last 5%. 5% is {@code max(1, floor(n * 0.05))} examples.
     */
    public static DatasetText userFiles(Format format, Path train, Path valid, Path test) throws IOException {
        SplitText all = readUser(format, train, "train");
        List<String> examples = all.examples();
        int missing = (valid == null ? 1 : 0) + (test == null ? 1 : 0);
        int heldOut = Math.max(1, (int) Math.floor(examples.size() * HELD_OUT_FRACTION));
        int trainEnd = examples.size() - missing * heldOut;
        if (missing > 0 && trainEnd < 1) {
            throw new IllegalArgumentException(train + ": " + examples.size() + " examples are too few to hold out "
                    + missing + " split(s) of " + heldOut + "; pass --valid and --test files");
        }
        List<SplitText> splits = new ArrayList<>();
        splits.add(new SplitText("train", train.toString(), all.sourceSha256(), examples.subList(0, trainEnd)));
        int next = trainEnd;
        for (String split : List.of("valid", "test")) {
            Path file = split.equals("valid") ? valid : test;
            if (file != null) {
                splits.add(readUser(format, file, split));
            } else {
                splits.add(new SplitText(split, train + " (held out, examples " + next + ".." + (next + heldOut) + ")",
                        all.sourceSha256(), examples.subList(next, next + heldOut)));
                next += heldOut;
            }
        }
        return new DatasetText(train.getFileName().toString(), splits);
    }

    private static SplitText readUser(Format format, Path file, String split) throws IOException {
        byte[] content = readMaybeGzip(file, split + " corpus");
        String text = Examples.decodeUtf8(content, file.toString());
        List<String> examples = format == Format.JSONL ? Examples.fromJsonl(text, file.toString()) : Examples.fromText(text);
        if (examples.isEmpty()) {
            throw new IllegalArgumentException(file + ": no examples");
        }
        return new SplitText(split, file.toString(), Checksums.sha256(content), examples);
    }

    /** Java holds a file's bytes in one array, which can be no longer than this. */
    private static final int MAX_BYTES = Integer.MAX_VALUE - 8;

    /**
     * The file's bytes, gunzipped when its name ends in .gz. Only a regular file: a FIFO would block
     * for ever, a device never end; at most {@link #MAX_BYTES}, said before the heap runs out.
     */
    private static byte[] readMaybeGzip(Path file, String what) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new DataException(file + ": a folder, FIFO or device; expected a text file (" + what + ")");
        }
        try (InputStream raw = Files.newInputStream(file);
                InputStream in = file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            byte[] bytes = in.readNBytes(MAX_BYTES);
            if (bytes.length == MAX_BYTES && in.read() != -1) {
                throw new DataException(file + ": more than 2 GiB" + (in == raw ? "" : " unpacked") + "; a file may hold at"
                        + " most 2 GiB of text (split it into several)");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new DataException("missing file " + file + " (" + what + ")", e);
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            // An EOFException has no message: the stream ended where gzip data should go on (or begin).
            throw new DataException(file + ": not a readable gzip file (" + (e.getMessage() != null ? e.getMessage()
                    : "it ends before its gzip data does") + ")", e);
        }
    }
}
