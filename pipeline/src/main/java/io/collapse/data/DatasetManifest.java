package io.collapse.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.collapse.io.Checksums;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code datasets/manifest.json}: for every bundled dataset and split, the file and the checksums of
 * its decompressed content. Tests build their own instances to inject checksums.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DatasetManifest(
        int format,
        String licence,
        String citation,
        Map<String, Dataset> datasets) {

    public static final int FORMAT = 1;
    private static final String MANIFEST_NAME = "datasets/" + DataPaths.MANIFEST;

    public DatasetManifest {
        if (format != FORMAT) {
            throw new IllegalArgumentException("manifest format " + format + ", expected " + FORMAT);
        }
        if (datasets == null || datasets.isEmpty()) {
            throw new IllegalArgumentException("manifest datasets: expected at least one dataset, got " + datasets);
        }
        datasets = Map.copyOf(datasets);
    }

    /** One dataset: its splits by name ({@code train}, {@code valid}, {@code test}). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Dataset(String description, Map<String, SplitFile> splits) {
        public Dataset {
            if (splits == null || splits.isEmpty()) {
                throw new IllegalArgumentException("dataset splits: expected at least one split, got " + splits);
            }
            splits = Map.copyOf(splits);
        }
    }

    /**
     * One split's file. {@code file} is relative to {@code datasets/} (gzip when it ends in .gz), or
     * null when not bundled, in which case {@code download} says where it comes from and
     * {@code gitBlob} is the only checksum known.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record SplitFile(
            String name,
            String file,
            String sha256,
            String gitBlob,
            Long lines,
            Long bytes,
            Download download) {
        public SplitFile {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("split name: expected a file name, got " + name);
            }
            if (file == null && download == null) {
                throw new IllegalArgumentException("split " + name + ": neither a bundled file nor a download");
            }
            if (sha256 == null && gitBlob == null) {
                throw new IllegalArgumentException("split " + name + ": no checksum (sha256 or git_blob)");
            }
        }

        /**
         * Checks decompressed content against every checksum given here.
         *
         * @param where names the file in the error
         * @throws DataException naming the file, the expected and the actual checksum
         */
        public void verify(byte[] content, String where) {
            if (sha256 != null && !sha256.equals(Checksums.sha256(content))) {
                throw new DataException(where + ": sha256 of the content is " + Checksums.sha256(content)
                        + ", expected " + sha256 + " (" + name + " in " + MANIFEST_NAME + ")");
            }
            if (gitBlob != null && !gitBlob.equals(Checksums.gitBlob(content))) {
                throw new DataException(where + ": git blob id of the content is " + Checksums.gitBlob(content)
                        + ", expected " + gitBlob + " (" + name + " in " + MANIFEST_NAME + ")");
            }
        }
    }

    /** A file inside a zip in a HuggingFace Hub dataset repository. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Download(
            String hubDataset,
            String hubFile,
            String member) {
        public Download {
            for (String[] f : new String[][] {{"hub_dataset", hubDataset}, {"hub_file", hubFile}, {"member", member}}) {
                if (f[1] == null || f[1].isBlank()) {
                    throw new IllegalArgumentException("download " + f[0] + ": expected a value, got " + f[1]);
                }
            }
        }
    }

    public static DatasetManifest read(Path file) throws IOException {
        try {
            return new ObjectMapper().readValue(file.toFile(), DatasetManifest.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("cannot read dataset manifest " + file + ": " + e.getMessage(), e);
        }
    }

    /** The split's entry, or an error listing what exists. */
    public SplitFile split(String dataset, String split) {
        Dataset d = datasets.get(dataset);
        if (d == null) {
            throw new IllegalArgumentException("unknown dataset '" + dataset + "', expected one of " + datasets.keySet());
        }
        SplitFile f = d.splits().get(split);
        if (f == null) {
            throw new IllegalArgumentException(
                    "dataset " + dataset + " has no split '" + split + "', expected one of " + d.splits().keySet());
        }
        return f;
    }
}
