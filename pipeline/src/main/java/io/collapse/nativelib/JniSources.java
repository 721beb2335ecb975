package io.collapse.nativelib;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * DJL's v0.36.0 JNI sources, laid out as in {@code ../shared/third_party/djl-0.36.0-pytorch-jni/}
 * (its README maps each part to upstream). They compile from a copy in the build's work folder,
 * with {@link Bfloat16Patch} applied there; they are never changed, nor copied into this repository.
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

    /**
     * {@code native/} copied into {@code work/native}, its dtype header with {@link Bfloat16Patch}.
     *
     * @return the copy's {@code .cc} files, sorted: one compiler process each
     */
    public List<Path> stagedUnits(Path work) throws IOException {
        Path staged = Files.createDirectories(work.resolve("native"));
        List<Path> units = new ArrayList<>();
        try (Stream<Path> s = Files.list(root.resolve("native"))) {
            for (Path file : s.sorted().toList()) {
                String name = file.getFileName().toString();
                byte[] bytes = Files.readAllBytes(file);
                if (name.equals(Bfloat16Patch.HEADER)) {
                    bytes = Bfloat16Patch.apply(new String(bytes, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
                }
                Files.write(staged.resolve(name), bytes); // a new file: the sources may be read-only
                if (name.endsWith(".cc")) {
                    units.add(staged.resolve(name));
                }
            }
        }
        return units;
    }

    /**
     * One of collapse's own units, compiled beside DJL's into the same library, the native side of one
     * class. Each is optional: where one does not compile against a libtorch, the build leaves it out
     * (saying {@code withoutIt}), and the JNI's record says which are in under their {@code recordKey}.
     */
    public record OwnUnit(String file, String recordKey, String withoutIt) {
        public static final OwnUnit FUSED_ADAMW = new OwnUnit("collapse_fused_adamw.cc", "fused_adamw",
                "AdamW runs per parameter tensor");
        public static final OwnUnit SDPA = new OwnUnit("collapse_sdpa.cc", "sdpa", "attention runs eager only");
        public static final List<OwnUnit> ALL = List.of(FUSED_ADAMW, SDPA);
    }

    /**
     * One of collapse's own units staged beside DJL's in {@code work/native} (it includes DJL's exception header).
     *
     * @return the staged file
     */
    public static Path staged(OwnUnit unit, Path work) throws IOException {
        Path staged = Files.createDirectories(work.resolve("native")).resolve(unit.file());
        try (InputStream in = JniSources.class.getResourceAsStream(unit.file())) {
            if (in == null) {
                throw new IllegalStateException("the collapse jar lacks io/collapse/nativelib/" + unit.file());
            }
            Files.write(staged, in.readAllBytes());
        }
        return staged;
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
