package io.collapse.nativelib;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * DJL's v0.36.0 JNI sources, laid out as in {@code ../shared/third_party/djl-0.36.0-pytorch-jni/}
 * (its README maps each part to upstream). They are compiled where they lie, never copied into
 * this repository.
 *
 * @param root the folder holding {@code native/}, {@code djl/utils.h} and {@code java/}
 */
public record JniSources(Path root) {

    /**
     * The folder beside the repository that the project's shared material lives in; in an offline
     * bundle ({@code collapse bundle}), its own copy inside, since nothing lies beside it there.
     */
    public static Path defaultRoot(Path repo) {
        Path bundled = repo.resolve("third_party/djl-0.36.0-pytorch-jni");
        if (Files.isDirectory(bundled)) {
            return bundled;
        }
        return repo.resolve("../shared/third_party/djl-0.36.0-pytorch-jni").normalize();
    }

    public JniSources {
        for (String need : List.of("native/djl_pytorch_utils.h", "djl/utils.h", "java/ai/djl/pytorch/jni/PyTorchLibrary.java")) {
            if (!Files.isRegularFile(root.resolve(need))) {
                throw new IllegalArgumentException("--djl-src " + root + " lacks " + need
                        + " (expected DJL v0.36.0's pytorch JNI sources: native/, djl/utils.h, java/)");
            }
        }
    }

    /** Every {@code native/*.cc}, sorted: one compiler process each. */
    public List<Path> translationUnits() throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("native"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".cc")).sorted().toList();
        }
    }

    /** The input of {@code javac -h}, which writes {@code ai_djl_pytorch_jni_PyTorchLibrary.h}. */
    public Path jniJava() {
        return root.resolve("java/ai/djl/pytorch/jni/PyTorchLibrary.java");
    }

    /** Holds {@code djl/utils.h}, included as {@code <djl/utils.h>}. */
    public Path utilsInclude() {
        return root;
    }
}
