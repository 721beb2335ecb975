package io.collapse.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSourceTest {

    @TempDir Path tmp;

    @Test
    void bundledValidAndTestThroughTheCache() throws IOException {
        DataPaths paths = DataPaths.locate(tmp);
        ByteEncoder enc = new ByteEncoder();
        var loaded = DataSource.bundled("wikitext-2-raw-v1").load(paths, List.of("test", "valid"), enc, 64);
        assertEquals(List.of("test", "valid"), loaded.stream().map(l -> l.text().split()).toList());
        DataSource.LoadedSplit valid = loaded.get(1);
        assertEquals(3760, valid.blocks().examples());
        // byte encoder: one </s> per example plus the file's bytes, except blank lines (" \n") give none
        long blankLines = valid.text().examples().stream().filter(String::isEmpty).count();
        long expectedTokens = 3760 + 1146846 - 2 * blankLines;
        assertEquals(expectedTokens, valid.blocks().tokens());
        assertEquals(expectedTokens / 64, valid.blocks().numBlocks());
        assertTrue(Files.isRegularFile(valid.cacheFile()));
        assertTrue(valid.cacheFile().startsWith(tmp.resolve("blocks")));

        // the first block is example 0 (""), then example 1 (" = Homarus gammarus = \n"), ...
        int[] first = valid.blocks().block(0);
        assertEquals(2, first[0]);
        assertEquals(2, first[1]);
        assertEquals(3 + ' ', first[2]);
        assertEquals(3 + '=', first[3]);

        var again = DataSource.bundled("wikitext-2-raw-v1").load(paths, List.of("valid"), enc, 64).get(0);
        assertEquals(valid.blocks().idsSha256(), again.blocks().idsSha256());
        assertArrayEquals(valid.blocks().block(100), again.blocks().block(100));
    }

    @Test
    void userCorpusAndBadArguments() throws IOException {
        Path train = Files.writeString(tmp.resolve("c.txt"), " a b\n \n c\n d\n");
        var loaded = DataSource.userFile(DatasetText.Format.TEXT, train, null, null)
                .load(DataPaths.locate(tmp), List.of("train", "valid", "test"), new ByteEncoder(), 2);
        assertEquals(2, loaded.get(0).blocks().examples());
        assertEquals(1 + " a b\n".getBytes(StandardCharsets.UTF_8).length + 1, loaded.get(0).blocks().tokens());
        assertEquals(List.of(" c\n"), loaded.get(1).text().examples());
        assertEquals(List.of(" d\n"), loaded.get(2).text().examples());
        var e = assertThrows(IllegalArgumentException.class, () -> DataSource.bundled("wikitext-2-v1")
                .load(DataPaths.locate(tmp), List.of("validation"), new ByteEncoder(), 64));
        assertEquals("split 'validation': expected one of [train, valid, test]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DataSource("x", train, DatasetText.Format.TEXT, null, null));
    }
}
