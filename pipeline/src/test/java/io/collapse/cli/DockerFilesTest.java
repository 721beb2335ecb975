package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs docker/test/run-tests.sh: the Dockerfile and shell lints, the entrypoint and sweep scripts
 * against fake java/launcher/scontrol programs, and the compose and Kubernetes file checks. It
 * needs shellcheck, dockerfile-utils and python3 with PyYAML, and fails naming whichever is missing.
 */
class DockerFilesTest {

    @Test
    void dockerScriptsPassTheirTests() throws IOException, InterruptedException {
        Optional<Path> bash = onPath("bash");
        assumeTrue(bash.isPresent(), "bash is not on PATH");
        Path repo = Path.of(System.getProperty("collapse.repo", "..")).toAbsolutePath().normalize();
        Path script = repo.resolve("docker/test/run-tests.sh");
        assertTrue(Files.isRegularFile(script), "missing " + script);

        Process process = new ProcessBuilder(bash.get().toString(), script.toString())
                .directory(repo.toFile())
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        // The script bounds its own waits; this only keeps a wedged shell from hanging the build.
        boolean exited = process.waitFor(5, TimeUnit.MINUTES);
        if (!exited) {
            process.destroyForcibly();
        }
        System.out.println(output);
        assertTrue(exited, "docker/test/run-tests.sh did not exit:\n" + output);
        assertEquals(0, process.exitValue(), "docker/test/run-tests.sh failed:\n" + output);
    }

    private static Optional<Path> onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Arrays.stream(path.split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable)
                .findFirst();
    }
}
