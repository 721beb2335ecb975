package io.collapse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.config.StrictJson;

/** What every command shares: DJL offline by default and one JSON mapper (errors reach the user through {@code io.ErrorLines}). */
final class CliSupport {

    /** Reads the commands' JSON inputs and writes their {@code --json} documents and bench lines, each on one line. */
    static final ObjectMapper JSON = StrictJson.MAPPER;

    private CliSupport() {}

    /** DJL never touches the network unless the user sets {@code ai.djl.offline=false}. */
    static void offlineByDefault() {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }
}
