package io.collapse.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.collapse.TestFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenIdsFileTest {

    @TempDir Path tmp;

    private List<int[]> read(String json) throws IOException {
        return TokenIdsFile.read(Files.writeString(tmp.resolve("ids.json"), json));
    }

    @Test
    void oneArrayIsOneSequenceAndAnArrayOfArraysIsSeveral() throws IOException {
        List<int[]> one = read("[2, 133, 5]");
        assertEquals(1, one.size());
        assertArrayEquals(new int[] {2, 133, 5}, one.get(0));
        assertArrayEquals(new int[] {2, 133, 5}, read("\uFEFF[2, 133, 5]").get(0), "a UTF-8 byte-order mark is not content");
        List<int[]> two = read("[[2, 133, 5], [2, 9]]");
        assertEquals(2, two.size());
        assertArrayEquals(new int[] {2, 9}, two.get(1));
    }

    @Test
    void anythingElseIsNamedByFileSequenceAndElement() {
        Path file = tmp.resolve("ids.json");
        String[][] cases = {
            {"[[2, 5], []]", "sequence 1 is [], expected at least one token id"},
            {"[2, 5.5]", "sequence 0, element 1 is 5.5, expected an integer token id"},
            {"[[2, 3000000000]]", "sequence 0, element 1 is 3000000000, expected an integer token id"},
            {"[\"x\"]", "sequence 0 is \"x\", expected an array of token ids"},
            {"{}", "expected a non-empty JSON array of token-id arrays (or one array of token ids)"},
        };
        for (String[] c : cases) {
            IOException e = assertThrows(IOException.class, () -> read(c[0]), c[0]);
            assertEquals(file + ": " + c[1], e.getMessage(), c[0]);
        }
    }

    /** Refused by name, at once: a FIFO is not opened (the read would wait for a writer for ever). */
    @Test
    void aFifoAFolderOrBytesThatAreNotUtf8AreNamed() throws Exception {
        Path fifo = TestFiles.mkfifo(tmp.resolve("fifo.json"));
        IOException e = TestFiles.refusedAtOnce(IOException.class, () -> TokenIdsFile.read(fifo));
        assertEquals(fifo + ": not a regular file (a FIFO or device?); expected a file", e.getMessage());
        Path folder = Files.createDirectories(tmp.resolve("folder.json"));
        e = assertThrows(IOException.class, () -> TokenIdsFile.read(folder));
        assertEquals(folder + ": a folder; expected a file", e.getMessage());
        Path latin1 = Files.write(tmp.resolve("latin1.json"), new byte[] {'[', (byte) 0xE9, ']'});
        e = assertThrows(IOException.class, () -> TokenIdsFile.read(latin1));
        assertEquals(latin1 + ": not UTF-8 text; expected a JSON array of token ids", e.getMessage());
        e = assertThrows(IOException.class, () -> TokenIdsFile.read(tmp.resolve("none.json")));
        assertEquals(tmp.resolve("none.json") + ": no such file", e.getMessage());
    }
}
