package io.collapse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.collapse.config.StrictJson;

/** What every command shares: DJL offline by default, errors as one line for the user, and one JSON mapper. */
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

    /** A one-line message for the user: the exception's own words, plus its cause's if they add something. */
    static String describe(Throwable ex) {
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : firstLine(ex.getMessage());
        Throwable cause = ex.getCause();
        if (cause != null && cause.getMessage() != null && !msg.contains(firstLine(cause.getMessage()))) {
            msg += " (" + firstLine(cause.getMessage()) + ")";
        }
        return msg;
    }

    /** Libraries append detail lines (Jackson: "at [Source: …]"); the user gets one line. */
    private static String firstLine(String s) {
        return s.lines().findFirst().orElse(s).strip();
    }
}
