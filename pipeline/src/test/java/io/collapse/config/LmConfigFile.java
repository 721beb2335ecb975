package io.collapse.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A config.json for the family config tests: written into the test's folder, then read as a model directory's is. */
final class LmConfigFile {

    private LmConfigFile() {}

    /** {@code json} as {@code dir}/config.json, read by {@link LmConfig#read}; errors name that file. */
    static LmConfig read(Path dir, String json) throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json);
        return LmConfig.read(file);
    }
}
