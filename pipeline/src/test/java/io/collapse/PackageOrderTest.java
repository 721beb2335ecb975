package io.collapse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Packages follow the data's path and import only to their left (README, "Layout"): a main
 * source file may import from its own package or from one of lower rank, never from the right.
 */
class PackageOrderTest {

    /** Rank of each package, left to right; equal ranks may not import each other. */
    private static final Map<String, Integer> RANK = Map.ofEntries(
            Map.entry("io", 0),
            Map.entry("nativelib", 1),
            Map.entry("bundle", 1),
            Map.entry("config", 2),
            Map.entry("model.hf", 3),
            Map.entry("model", 4),
            // The families: peers that import model, never each other.
            Map.entry("model.opt", 5),
            Map.entry("model.gpt2", 5),
            Map.entry("model.llama", 5),
            Map.entry("model.neox", 5),
            Map.entry("model.auto", 6),
            Map.entry("text", 7),
            Map.entry("data", 8),
            Map.entry("eval", 9),
            Map.entry("train", 10),
            Map.entry("generate", 11),
            Map.entry("pipeline", 12),
            Map.entry("report", 13),
            // The benchmarks: a peer of report, neither imports the other.
            Map.entry("bench", 13),
            Map.entry("cli", 14));

    private static final Path MAIN = Path.of("src/main/java/io/collapse");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.collapse\\.([a-z.]+?)\\.[A-Z]");

    @Test
    void everyImportPointsLeft() throws IOException {
        List<String> wrong = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String from = MAIN.relativize(file.getParent()).toString().replace('/', '.');
                for (String line : Files.readAllLines(file)) {
                    Matcher m = IMPORT.matcher(line);
                    if (m.find() && !m.group(1).equals(from) && rank(m.group(1)) >= rank(from)) {
                        wrong.add(MAIN.relativize(file) + " imports " + m.group(1));
                    }
                }
            }
        }
        assertEquals(List.of(), wrong, "imports that point right (or to an equal rank)");
    }

    @Test
    void everyPackageHasARank() throws IOException {
        try (Stream<Path> dirs = Files.walk(MAIN)) {
            List<String> unranked = dirs.filter(Files::isDirectory).filter(PackageOrderTest::hasJava)
                    .map(d -> MAIN.relativize(d).toString().replace('/', '.'))
                    .filter(p -> !RANK.containsKey(p)).toList();
            assertEquals(List.of(), unranked, "packages missing from PackageOrderTest.RANK and the README's Layout");
        }
    }

    private static int rank(String pkg) {
        Integer r = RANK.get(pkg);
        return r == null ? Integer.MAX_VALUE : r;
    }

    private static boolean hasJava(Path dir) {
        try (Stream<Path> list = Files.list(dir)) {
            return list.anyMatch(f -> f.toString().endsWith(".java"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
