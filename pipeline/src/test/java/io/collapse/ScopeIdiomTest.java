package io.collapse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Native memory is scoped one way (README, "Layout"): {@code model.Scope} makes the sub-managers and
 * moves arrays between them; no other main source file does it with DJL's calls directly.
 */
class ScopeIdiomTest {

    private static final Path MAIN = Path.of("src/main/java/io/collapse");
    private static final Pattern RAW = Pattern.compile("newSubManager\\(|subManagerOf\\(|tempAttach(All)?\\(|\\.ret\\(");

    /** Scope itself, and KvCache, which implements DJL's NDResource. */
    private static final Set<String> EXEMPT = Set.of("model/Scope.java", "model/KvCache.java");

    @Test
    void onlyScopeMakesSubManagersAndMovesArrays() throws IOException {
        List<String> raw = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String name = MAIN.relativize(file).toString();
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    if (!EXEMPT.contains(name) && RAW.matcher(lines.get(i)).find()) {
                        raw.add(name + ":" + (i + 1) + ": " + lines.get(i).trim());
                    }
                }
            }
        }
        assertEquals(List.of(), raw, "scopes made or arrays moved without model.Scope");
    }
}
