package io.collapse.cli;

import io.collapse.bundle.Bundle;
import io.collapse.nativelib.JniSources;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code collapse bundle --out DIR}: the offline bundle for a machine with no Maven, Java or internet. */
@Command(name = "bundle",
        description = {
            "Write an offline bundle to DIR: a jlink'ed Java 17, the jars without the CPU libtorch, the test suite"
                    + " with JUnit's console launcher, the DJL JNI sources for `native build`, bench/ and launchers.",
            "Run from a built checkout (mvn -B package -DskipTests) with a full JDK 17. On the target machine:"
                    + " DIR/collapse native build --torch T, then DIR/collapse and DIR/run-tests."
        })
final class BundleCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "A new or empty folder.")
    Path out;

    @Option(names = "--djl-src", paramLabel = "DIR",
            description = "DJL's v0.36.0 PyTorch JNI sources to include (default: ../shared/third_party/djl-0.36.0-pytorch-jni).")
    Path djlSrc;

    @Option(names = "--no-pack", description = "Leave the payload unpacked (larger; no tar/xz needed here).")
    boolean noPack;

    @Mixin Stdout stdout;

    @Override
    public Integer call() throws Exception {
        Path repo = Path.of(System.getProperty("collapse.repo", ".")).toAbsolutePath().normalize();
        Path src = djlSrc != null ? djlSrc : JniSources.defaultRoot(repo);
        Bundle.build(new Bundle.Inputs(repo, repo.resolve("pipeline/target"), src), out.toAbsolutePath(), !noPack,
                stdout.out());
        return 0;
    }
}
