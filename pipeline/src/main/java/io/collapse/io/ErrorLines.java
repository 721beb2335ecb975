package io.collapse.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.file.Path;

/** Errors as the user reads them: one line, wherever they are shown (the terminal, events.jsonl), and paths in the commands they give. */
public final class ErrorLines {

    private ErrorLines() {}

    /**
     * The exception's own words, plus its cause's if they add something; libraries' detail lines
     * (Jackson: "at [Source: …]") left out. A Jackson cause adds nothing: whoever caught it has said
     * what the file got wrong in our words ({@code StrictJson}), and its own names Java types.
     */
    public static String oneLine(Throwable e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !(cause instanceof JsonProcessingException)
                && !msg.contains(firstLine(cause.getMessage()))) {
            msg += " (" + firstLine(cause.getMessage()) + ")";
        }
        return msg;
    }

    /** A path as one shell word, for the commands a message gives. */
    public static String shellWord(Path p) {
        String s = p.toString();
        return s.matches("[A-Za-z0-9_./:@%+=-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    private static String firstLine(String s) {
        return s.lines().findFirst().orElse(s).strip();
    }
}
