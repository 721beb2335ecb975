package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.ExternalTools;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs docker/test/run-tests.sh: the Dockerfile and shell lints, the entrypoint and sweep scripts
 * against fake java/launcher/scontrol programs, and the compose and Kubernetes file checks. It
 * needs shellcheck, dockerfile-utils and python3 with PyYAML ({@link ExternalTools}: skipped where they
 * are missing, failed when they are required).
 */
class DockerFilesTest {

    @Test
    void dockerScriptsPassTheirTests() throws IOException, InterruptedException {
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("bash", "shellcheck", "dockerfile-utils")) {
            if (ExternalTools.onPath(tool).isEmpty()) {
                missing.add(tool);
            }
        }
        if (!pythonHasYaml()) {
            missing.add("python3 with PyYAML");
        }
        ExternalTools.require(missing);
        Path bash = ExternalTools.onPath("bash").orElseThrow();
        Path repo = Path.of(System.getProperty("collapse.repo", "..")).toAbsolutePath().normalize();
        Path script = repo.resolve("docker/test/run-tests.sh");
        assertTrue(Files.isRegularFile(script), "missing " + script);

        Process process = new ProcessBuilder(bash.toString(), script.toString())
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

    private static boolean pythonHasYaml() throws InterruptedException {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import yaml").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
