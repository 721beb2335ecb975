package io.collapse.cli;

import io.collapse.data.DataPaths;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --cache-dir} (a {@code @Mixin}): where data, eval and train keep dataset downloads and token blocks. */
final class CacheDirOption {

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Cache directory for downloads and blocks; by default -Dcollapse.cache if set, else"
                    + " $COLLAPSE_CACHE, else <repo>/.cache.")
    Path cacheDir;

    /** The data paths under the chosen cache. */
    DataPaths dataPaths() {
        return DataPaths.locate(cacheDir);
    }
}
