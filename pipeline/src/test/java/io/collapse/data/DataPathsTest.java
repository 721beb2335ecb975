package io.collapse.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataPathsTest {

    @TempDir Path tmp;

    @Test
    void cacheDirPrecedence() {
        String saved = System.getProperty("collapse.cache");
        try {
            System.clearProperty("collapse.cache");
            DataPaths byRepo = DataPaths.locate();
            if (System.getenv("COLLAPSE_CACHE") == null) {
                assertEquals(byRepo.datasetsDir().getParent().resolve(".cache"), byRepo.cacheDir());
            }
            System.setProperty("collapse.cache", tmp.resolve("prop").toString());
            assertEquals(tmp.resolve("prop"), DataPaths.locate().cacheDir());
            assertEquals(tmp.resolve("flag"), DataPaths.locate(tmp.resolve("flag")).cacheDir());
            assertEquals(tmp.resolve("flag/blocks"), DataPaths.locate(tmp.resolve("flag")).blockCacheDir());
            assertEquals(tmp.resolve("flag/datasets"), DataPaths.locate(tmp.resolve("flag")).downloadRoot());
        } finally {
            if (saved == null) {
                System.clearProperty("collapse.cache");
            } else {
                System.setProperty("collapse.cache", saved);
            }
        }
    }
}
