package io.collapse.cli;

import io.collapse.bundle.Bundle;
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

    @Mixin JniSourceOption jni;

    @Option(names = "--no-pack", description = "Leave the payload unpacked (larger; no tar/xz needed here).")
    boolean noPack;

    @Mixin Stdout stdout;

    @Override
    public Integer call() throws Exception {
        Path repo = JniSourceOption.repo();
        Bundle.build(new Bundle.Inputs(repo, repo.resolve("pipeline/target"), jni.root()), out.toAbsolutePath(), !noPack,
                stdout.out());
        return 0;
    }
}
