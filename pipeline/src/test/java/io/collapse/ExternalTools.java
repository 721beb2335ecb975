package io.collapse;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need a program the README's two set-up commands do not install (shellcheck, a Dockerfile
 * linter, Chromium). Where it is missing the test is skipped, so `mvn -B verify` passes on a machine
 * with only Java and Maven; with {@code COLLAPSE_REQUIRE_TOOLS=1} (what .ci/run sets after installing
 * them) a missing program fails the test instead, so CI always runs them all.
 */
public final class ExternalTools {

    public static final String REQUIRE = "COLLAPSE_REQUIRE_TOOLS";

    private ExternalTools() {}

    /** The first executable of that name on the PATH. */
    public static Optional<Path> onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Arrays.stream(path.split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** The program on the PATH; where it is missing, the calling test is skipped (or fails) as {@link #require} says. */
    public static Path requireOnPath(String program) {
        Optional<Path> found = onPath(program);
        require(found.isPresent() ? List.of() : List.of(program));
        return found.orElseThrow();
    }

    /** Skips the calling test (or fails it, when tools are required) naming what is missing. */
    public static void require(List<String> missing) {
        if (missing.isEmpty()) {
            return;
        }
        String what = "missing " + String.join(", ", missing);
        if ("1".equals(System.getenv(REQUIRE))) {
            fail(what + " (" + REQUIRE + "=1: install them, as .ci/run does)");
        }
        Assumptions.assumeTrue(false, what + "; this test runs where they are installed (always on CI)");
    }
}
