package io.collapse.cli;

import io.collapse.data.DataSource;
import io.collapse.data.DatasetText;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a dataset comes from: {@code --dataset}, {@code --text} or {@code --jsonl}, one of them (an exclusive {@code @ArgGroup}). */
final class DataSourceOptions {

    @Option(names = "--dataset", paramLabel = "NAME",
            description = "Bundled dataset: wikitext-2-v1, or wikitext-2-raw-v1 (the paper's; its train split is"
                    + " downloaded from the HuggingFace Hub once, unless HF_HUB_OFFLINE, COLLAPSE_OFFLINE or"
                    + " -Dcollapse.offline forbids it).")
    String dataset;

    @Option(names = "--text", paramLabel = "FILE",
            description = "Your corpus, one example per line (a whitespace-only line is an empty example; other"
                    + " lines are kept verbatim with their newline). .gz is read as gzip.")
    Path text;

    @Option(names = "--jsonl", paramLabel = "FILE",
            description = "Your corpus, one JSON object per line with a string field \"text\"; blank lines skipped.")
    Path jsonl;

    /** The chosen source; {@code valid} and {@code test} (either may be null) go with a user corpus only. */
    DataSource dataSource(Path valid, Path test) {
        return dataset != null ? new DataSource(dataset, null, null, valid, test)
                : DataSource.userFile(text != null ? DatasetText.Format.TEXT : DatasetText.Format.JSONL,
                        text != null ? text : jsonl, valid, test);
    }

    /** The dataset name, or the corpus file as given. */
    String name() {
        return dataset != null ? dataset : (text != null ? text : jsonl).toString();
    }
}
