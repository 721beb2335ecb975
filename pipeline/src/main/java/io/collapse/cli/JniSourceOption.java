package io.collapse.cli;

import io.collapse.nativelib.JniSources;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --djl-src} (a {@code @Mixin}): DJL's PyTorch JNI sources, which native build compiles and bundle packs. */
final class JniSourceOption {

    @Option(names = "--djl-src", paramLabel = "DIR",
            description = "DJL's v0.36.0 PyTorch JNI sources (default: ../shared/third_party/djl-0.36.0-pytorch-jni"
                    + " beside the repository).")
    Path djlSrc;

    /** The repository the launcher runs from ({@code -Dcollapse.repo}), absolute. */
    static Path repo() {
        return Path.of(System.getProperty("collapse.repo", ".")).toAbsolutePath().normalize();
    }

    /** {@code --djl-src}, else the sources beside the repository. */
    Path root() {
        return djlSrc != null ? djlSrc : JniSources.defaultRoot(repo());
    }
}
