package io.collapse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.ExternalTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Keeps bench/gpu/check.sh and bench/compare.py from rotting: the GPU check runs rarely, offline and
 * without a second chance, so every step it names and every collapse command and option it (and the
 * benchmark it drives) calls must exist here, where a rename fails a test instead.
 */
class GpuCheckScriptTest {

    private static final Path REPO = Path.of(System.getProperty("collapse.repo", "..")).toAbsolutePath().normalize();

    /** The steps issues 12 and 13 ask of the check, in order, with the attention comparison after adamw. */
    private static final List<String> STEPS = List.of("probe", "native_build", "info", "tests", "adamw", "attention", "compare_fp32", "pipeline",
            "compare_bf16", "compare_tf32");

    private static final Pattern STEP = Pattern.compile("^\\s*step (\\S+) \\S+ (\\S+)", Pattern.MULTILINE);

    @Test
    void theStepsAreTheIssuesAndEachRunsSomethingDefined() throws Exception {
        String script = Files.readString(REPO.resolve("bench/gpu/check.sh"));
        String defined = script + Files.readString(REPO.resolve("bench/gpu/common.sh")); // check.sh sources it
        List<String> names = new ArrayList<>();
        Matcher m = STEP.matcher(script);
        while (m.find()) {
            names.add(m.group(1));
            String runs = m.group(2);
            assertTrue(runs.equals("\"$collapse\"") || defined.contains("\n" + runs + "() {"),
                    "step " + m.group(1) + " runs " + runs + ", which check.sh and common.sh do not define");
        }
        assertEquals(STEPS, names);
        assertTrue(script.contains("compare_bf16"), "a skipped bf16 step still appears in the summary");
    }

    @Test
    void theScriptsPassShellcheck() throws Exception {
        List<String> command = new ArrayList<>(List.of(ExternalTools.requireOnPath("shellcheck").toString()));
        for (String script : List.of("bench/gpu/check.sh", "bench/gpu/common.sh", "bench/gpu/diagnose.sh",
                "bench/gpu/slim-bundle.sh", "bench/bundle-check.sh")) {
            command.add(REPO.resolve(script).toString());
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), report);
    }

    @Test
    void everyCollapseCommandAndOptionOfTheCheckExists() throws Exception {
        String script = Files.readString(REPO.resolve("bench/gpu/check.sh")) + Files.readString(REPO.resolve("bench/gpu/common.sh"))
                + Files.readString(REPO.resolve("bench/gpu/diagnose.sh"));
        Matcher m = Pattern.compile("\"\\$collapse\" ([a-z][^\\n]*)").matcher(script);
        int calls = 0;
        while (m.find()) {
            List<String> words = List.of(m.group(1).split("\\s+"));
            CommandLine cmd = subcommand(words);
            for (String w : words) {
                if (w.startsWith("--")) {
                    assertNotNull(cmd.getCommandSpec().findOption(w), cmd.getCommandName() + " has no option " + w);
                }
            }
            calls++;
        }
        assertTrue(calls >= 3, "the scripts call native build, info and bench eval");
    }

    @Test
    void everyOptionTheDiagnosisGivesTheBenchmarkExists() throws Exception {
        String py = Files.readString(REPO.resolve("bench/compare.py"));
        String script = Files.readString(REPO.resolve("bench/gpu/diagnose.sh"));
        Matcher m = Pattern.compile("^measure \\S+ \\S+ (.*)$", Pattern.MULTILINE).matcher(script);
        int measures = 0;
        while (m.find()) {
            for (String w : m.group(1).split("\\s+")) {
                if (w.startsWith("--")) {
                    assertTrue(py.contains("add_argument(\"" + w + "\""), "compare.py has no option " + w);
                }
            }
            measures++;
        }
        assertEquals(5, measures, "diagnose.sh's compare.py measures");
    }

    @Test
    void everyCollapseOptionOfTheBenchmarkExists() throws Exception {
        String py = Files.readString(REPO.resolve("bench/compare.py"));
        for (String sub : List.of("train", "eval", "generate")) {
            assertTrue(py.contains("\"bench\", \"" + sub + "\""), "compare.py runs bench " + sub);
        }
        assertTrue(py.contains("[\"run\", \"smoke\""), "compare.py runs the pipeline");
        CommandLine root = CollapseCli.commandLine();
        List<CommandLine> targets = List.of(root.getSubcommands().get("run"),
                root.getSubcommands().get("bench").getSubcommands().get("train"),
                root.getSubcommands().get("bench").getSubcommands().get("eval"),
                root.getSubcommands().get("bench").getSubcommands().get("generate"));
        String collapseSide = py.substring(py.indexOf("# ---- collapse side"), py.indexOf("# ---- driver"));
        Matcher m = Pattern.compile("\"(--[a-z-]+)\"").matcher(collapseSide);
        while (m.find()) {
            String option = m.group(1);
            if (py.contains("add_argument(\"" + option + "\"")) {
                continue; // compare.py's own option, passed to its HF child
            }
            assertTrue(targets.stream().anyMatch(c -> c.getCommandSpec().findOption(option) != null),
                    "no collapse run/bench command has " + option);
        }
    }

    private static CommandLine subcommand(List<String> words) {
        CommandLine cmd = CollapseCli.commandLine();
        for (String w : words) {
            CommandLine next = cmd.getSubcommands().get(w);
            if (next == null) {
                break;
            }
            cmd = next;
        }
        assertNotEquals(CollapseCli.commandLine().getCommandSpec().name(), cmd.getCommandSpec().name(),
                "\"$collapse\" " + words + " names no command");
        return cmd;
    }
}
