package io.collapse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher ({@code ./collapse}) rebuilds the jar when a source, a pom or a bundled config is newer
 * than it (after a git pull), and never for a config of the user's: `status` must not need Maven
 * because a config was added. Run on a stand-in checkout with stand-ins for mvn and java.
 */
class LauncherTest {

    private static final Path REPO = Path.of(System.getProperty("collapse.repo", "..")).toAbsolutePath().normalize();

    @TempDir Path tmp;

    @Test
    void rebuildsForASourceOrABundledConfigAndNeverForTheUsersConfig() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        Files.copy(REPO.resolve("collapse"), repo.resolve("collapse"));
        Files.setPosixFilePermissions(repo.resolve("collapse"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path source = write(repo.resolve("pipeline/src/main/java/A.java"));
        Path bundled = write(repo.resolve("configs/smoke.json"));
        write(repo.resolve("pom.xml"));
        Files.writeString(write(repo.resolve("pipeline/pom.xml")), "<includes>\n  <include>smoke.json</include>\n</includes>\n");
        try (Stream<Path> all = Files.walk(repo)) { // folders too: find lists a folder whose entries changed
            for (Path p : all.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(Instant.now().minusSeconds(3600)));
            }
        }
        Path jar = write(repo.resolve("pipeline/target/collapse.jar"));
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(1800)));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path builds = tmp.resolve("builds");
        script(bin.resolve("mvn"), "echo build >> " + builds);
        script(bin.resolve("java"), "exit 0");

        assertEquals(0, launch(repo, bin), "up to date");
        write(repo.resolve("configs/mine.json"));
        assertEquals(0, launch(repo, bin), "a config of the user's in configs/");
        Files.setLastModifiedTime(bundled, FileTime.from(Instant.now().minusSeconds(60)));
        assertEquals(1, launch(repo, bin), "a bundled config edited after the build");
        assertEquals(1, launch(repo, bin), "the rebuilt jar is newer than everything again");
        Files.setLastModifiedTime(source, FileTime.from(Instant.now().plusSeconds(60)));
        assertEquals(2, launch(repo, bin), "a source newer than the jar");
    }

    /** Runs the launcher with the stand-ins first on the PATH; returns how many builds it has made so far. */
    private int launch(Path repo, Path bin) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(repo.resolve("collapse").toString(), "status").redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        Path builds = tmp.resolve("builds");
        return Files.exists(builds) ? Files.readAllLines(builds).size() : 0;
    }

    private static Path write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, "x\n");
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
