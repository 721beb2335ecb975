package io.collapse.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.collapse.TestFiles;
import io.collapse.io.Checksums;
import io.collapse.io.HubDownloader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetTextTest {

    @TempDir Path tmp;

    private RawWikitextDownload offline() {
        return new RawWikitextDownload(new HubDownloader().setEndpoint("http://127.0.0.1:9").setOffline(true),
                tmp.resolve("downloads"));
    }

    @Test
    void everyBundledSplitMatchesTheManifest() throws IOException {
        DataPaths paths = DataPaths.locate(tmp);
        DatasetManifest manifest = DatasetManifest.read(paths.manifestFile());
        for (var ds : Map.of("wikitext-2-v1", List.of("train", "valid", "test"),
                "wikitext-2-raw-v1", List.of("valid", "test")).entrySet()) {
            DatasetText corpus = DatasetText.bundled(paths, manifest, ds.getKey(), ds.getValue(), offline());
            for (String split : ds.getValue()) {
                DatasetManifest.SplitFile f = manifest.split(ds.getKey(), split);
                SplitText text = corpus.split(split);
                assertEquals(f.sha256(), text.sourceSha256(), ds + "/" + split);
                // one example per line, blank lines included
                assertEquals(f.lines().longValue(), text.examples().size(), ds + "/" + split);
                long bytes = 0;
                for (String e : text.examples()) {
                    bytes += e.isEmpty() ? 2 : e.getBytes(StandardCharsets.UTF_8).length; // blank lines are " \n"
                }
                assertEquals(f.bytes().longValue(), bytes, ds + "/" + split);
            }
        }
    }

    @Test
    void wikitextValidStartsAsHfShowsIt() throws IOException {
        DataPaths paths = DataPaths.locate(tmp);
        SplitText valid = DatasetText.bundled(paths, DatasetManifest.read(paths.manifestFile()), "wikitext-2-v1",
                List.of("valid"), offline()).split("valid");
        assertEquals("", valid.examples().get(0));
        assertEquals(" = Homarus gammarus = \n", valid.examples().get(1));
        assertEquals("", valid.examples().get(2));
        assertTrue(valid.examples().get(3).startsWith(" Homarus gammarus , known as the European lobster"));
    }

    @Test
    void rawTrainOfflineFailsAtOnceSayingWhereToPutTheFile() throws IOException {
        DataPaths paths = DataPaths.locate(tmp);
        RawWikitextDownload downloader = offline();
        var e = assertThrows(DataException.class, () -> DatasetText.bundled(paths, DatasetManifest.read(paths.manifestFile()),
                "wikitext-2-raw-v1", List.of("train"), downloader));
        Path expected = tmp.resolve("downloads/wikitext-2-raw-v1/wiki.train.raw");
        assertTrue(e.getMessage().contains(expected.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("5109d6a316409e0ce4a5c1aa2a34226c957a5655"), e.getMessage());
        assertTrue(e.getMessage().contains("wikitext-2-v1"), e.getMessage());
    }

    /** A datasets dir of our own: one split whose manifest sha256 we choose. */
    private Path fakeDatasets(String content, String sha256) throws IOException {
        Path dir = tmp.resolve("repo/datasets");
        Files.createDirectories(dir.resolve("toy"));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("toy/t.txt.gz")))) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        Files.writeString(dir.resolve("manifest.json"), "{\"format\": 1, \"datasets\": {\"toy\": {\"splits\": {"
                + "\"test\": {\"name\": \"t.txt\", \"file\": \"toy/t.txt.gz\", \"sha256\": \"" + sha256 + "\"},"
                + "\"valid\": {\"name\": \"v.txt\", \"file\": \"toy/v.txt.gz\", \"sha256\": \"" + sha256 + "\"}}}}}");
        return dir;
    }

    @Test
    void checksumMismatchNamesFileExpectedAndActual() throws IOException {
        String content = " a\n \n b\n";
        String actual = Checksums.sha256(content.getBytes(StandardCharsets.UTF_8));
        String wrong = "0".repeat(64);
        Path dir = fakeDatasets(content, wrong);
        DataPaths paths = new DataPaths(dir, tmp.resolve("cache"));
        var e = assertThrows(DataException.class,
                () -> DatasetText.bundled(paths, DatasetManifest.read(paths.manifestFile()), "toy", List.of("test"), offline()));
        assertTrue(e.getMessage().contains(dir.resolve("toy/t.txt.gz").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("is " + actual + ", expected " + wrong), e.getMessage());
    }

    @Test
    void missingFileAndUnknownNamesAreClearErrors() throws IOException {
        String content = "x\n";
        Path dir = fakeDatasets(content, Checksums.sha256(content.getBytes(StandardCharsets.UTF_8)));
        DataPaths paths = new DataPaths(dir, tmp.resolve("cache"));
        DatasetManifest manifest = DatasetManifest.read(paths.manifestFile());
        assertEquals(List.of("x\n"), DatasetText.bundled(paths, manifest, "toy", List.of("test"), offline()).split("test").examples());
        var missing = assertThrows(DataException.class,
                () -> DatasetText.bundled(paths, manifest, "toy", List.of("valid"), offline()));
        assertTrue(missing.getMessage().startsWith("missing file " + dir.resolve("toy/v.txt.gz")), missing.getMessage());
        Files.write(dir.resolve("toy/v.txt.gz"), new byte[0]);
        var empty = assertThrows(DataException.class, () -> DatasetText.bundled(paths, manifest, "toy", List.of("valid"), offline()));
        assertEquals(dir.resolve("toy/v.txt.gz") + ": not a readable gzip file (it ends before its gzip data does)", empty.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class,
                () -> DatasetText.bundled(paths, manifest, "nope", List.of("test"), offline()));
        assertTrue(unknown.getMessage().contains("unknown dataset 'nope'"), unknown.getMessage());
        var noSplit = assertThrows(IllegalArgumentException.class,
                () -> DatasetText.bundled(paths, manifest, "toy", List.of("train"), offline()));
        assertTrue(noSplit.getMessage().contains("has no split 'train'"), noSplit.getMessage());
    }

    @Test
    void datasetsAreFoundFromRepoPropertyOrWorkingDirElseErrorSaysWhere() throws IOException {
        Path dir = fakeDatasets("x\n", "0".repeat(64));
        Path repo = dir.getParent();
        assertEquals(dir, DataPaths.findDatasets(repo.toString(), tmp));
        Files.createDirectories(repo.resolve("pipeline/sub"));
        assertEquals(dir, DataPaths.findDatasets(null, repo.resolve("pipeline/sub")));
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        var e = assertThrows(IllegalStateException.class,
                () -> DataPaths.findDatasets(elsewhere.toString(), elsewhere));
        assertTrue(e.getMessage().contains(elsewhere.resolve("datasets") + " (from -Dcollapse.repo)"), e.getMessage());
        assertTrue(e.getMessage().contains(elsewhere.resolve("datasets") + ","), e.getMessage());
    }

    @Test
    void userTextWithHeldOutSplitsIsDeterministic() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 45; i++) {
            sb.append(i % 7 == 0 ? " \n" : " line " + i + "\n");
        }
        Path train = Files.writeString(tmp.resolve("c.txt"), sb);
        DatasetText corpus = DatasetText.userFiles(DatasetText.Format.TEXT, train, null, null);
        // 45 examples: 5% is 2 each for valid and test, from the end
        assertEquals(41, corpus.split("train").examples().size());
        assertEquals(List.of(" line 41\n", ""), corpus.split("valid").examples());
        assertEquals(List.of(" line 43\n", " line 44\n"), corpus.split("test").examples());
        assertEquals(corpus.split("train").sourceSha256(), corpus.split("test").sourceSha256());

        Path valid = Files.writeString(tmp.resolve("v.txt"), "v1\n \n");
        DatasetText withValid = DatasetText.userFiles(DatasetText.Format.TEXT, train, valid, null);
        assertEquals(43, withValid.split("train").examples().size());
        assertEquals(List.of("v1\n", ""), withValid.split("valid").examples());
        assertEquals(List.of(" line 43\n", " line 44\n"), withValid.split("test").examples());
    }

    @Test
    void userJsonlAndTooSmallCorpus() throws IOException {
        Path train = Files.writeString(tmp.resolve("c.jsonl"), "{\"text\": \"a\"}\n{\"text\": \"b\"}\n{\"text\": \"c\"}\n");
        DatasetText corpus = DatasetText.userFiles(DatasetText.Format.JSONL, train, null, null);
        assertEquals(List.of("a"), corpus.split("train").examples());
        assertEquals(List.of("b"), corpus.split("valid").examples());
        assertEquals(List.of("c"), corpus.split("test").examples());
        Path tiny = Files.writeString(tmp.resolve("tiny.txt"), "only\n");
        var e = assertThrows(IllegalArgumentException.class, () -> DatasetText.userFiles(DatasetText.Format.TEXT, tiny, null, null));
        assertTrue(e.getMessage().startsWith(tiny + ": 1 examples are too few"), e.getMessage());
        var missing = assertThrows(DataException.class,
                () -> DatasetText.userFiles(DatasetText.Format.TEXT, tmp.resolve("absent.txt"), null, null));
        assertTrue(missing.getMessage().contains(tmp.resolve("absent.txt").toString()), missing.getMessage());
    }

    /** A FIFO would block the read for ever and a device never end: only a regular file is read. */
    @Test
    void aFolderFifoOrDeviceIsRefusedWithoutReadingIt() throws Exception {
        Path fifo = TestFiles.mkfifo(tmp.resolve("fifo.txt"));
        for (Path notAFile : List.of(Files.createDirectory(tmp.resolve("dir.txt")), fifo, Path.of("/dev/zero"))) {
            var e = assertThrows(DataException.class, () -> DatasetText.userFiles(DatasetText.Format.TEXT, notAFile, null, null));
            assertTrue(e.getMessage().startsWith(notAFile + ": a folder, FIFO or device; expected a text file"), e.getMessage());
        }
    }
}
