package io.collapse.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.collapse.ExternalTools;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * index.html as a person sees it: rendered by headless Chromium with the network stack idle,
 * its DOM checked for figures and filled tables, and a screenshot kept in
 * target/report-page/index.png for a human look. On CI (CI=true) a missing Chromium fails the test.
 */
class HtmlPageTest {

    private static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync");

    @TempDir Path tmp;

    @Test
    void chromiumRendersEveryFigureAndFilledTables() throws Exception {
        Path chromium = chromium();
        Path sweep = SyntheticRuns.sweep(tmp.resolve("sweep"));
        Report.Result result = Report.write(List.of(sweep), tmp.resolve("out"));
        Path index = result.outDir().resolve("index.html");
        long figures = result.files().stream().filter(p -> p.toString().endsWith(".png")).count();
        assertEquals(4, figures);

        String dom = runChromium(chromium, "--dump-dom", index.toUri().toString());
        List<String> imgs = matches(dom, "<img\\b[^>]*>");
        assertEquals(figures, imgs.stream().filter(i -> i.contains("class=\"figure\"")).count(), "figure images");
        for (String img : imgs) {
            assertTrue(img.contains("src=\"data:image/png;base64,"), "image not inline: " + img.substring(0, 80));
        }
        List<String> tables = matches(dom, "(?s)<table>.*?</table>");
        assertTrue(tables.size() >= 5, "runs, test ppl, measures, every run, samples: got " + tables.size());
        for (String table : tables) {
            List<String> bodyRows = matches(table, "(?s)<tbody>.*?</tbody>");
            assertTrue(!bodyRows.isEmpty() && matches(bodyRows.get(0), "<tr>").size() > 0, "a table without rows");
            for (String cell : matches(table, "(?s)<td[^>]*>(.*?)</td>")) {
                String text = cell.replaceAll("(?s)<[^>]+>", "").trim();
                assertTrue(!text.isEmpty(), "empty cell in table: " + table.substring(0, Math.min(200, table.length())));
            }
        }
        assertTrue(dom.contains("corpus ppl = exp(mean token NLL)"));

        Path shot = Path.of("target", "report-page", "index.png").toAbsolutePath();
        Files.createDirectories(shot.getParent());
        Files.deleteIfExists(shot);
        runChromium(chromium, "--screenshot=" + shot, "--window-size=1400,3000", index.toUri().toString());
        BufferedImage img = ImageIO.read(shot.toFile());
        assertNotNull(img, "screenshot does not decode");
        assertEquals(1400, img.getWidth());
        assertTrue(ReportTest.pixelStd(img) > 10, "blank screenshot");
    }

    /** /usr/bin/chromium, or the first of chromium, chromium-browser, google-chrome on the PATH. */
    private static Path chromium() {
        List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/bin/chromium")));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
                candidates.add(Path.of(dir, name));
            }
        }
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        ExternalTools.require(List.of("chromium (Debian: apt-get install -y chromium)"));
        return null;
    }

    private String runChromium(Path chromium, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString()));
        cmd.addAll(FLAGS);
        cmd.add("--user-data-dir=" + Files.createTempDirectory(tmp, "chromium-profile"));
        cmd.addAll(List.of(args));
        Path stdout = Files.createTempFile(tmp, "chromium", ".out");
        Path stderr = Files.createTempFile(tmp, "chromium", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish in 120 s: " + cmd);
        }
        assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(stderr));
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    private static List<String> matches(String s, String regex) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(s);
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }
}
