package io.collapse.io;

/** Errors as the user reads them: one line, wherever they are shown (the terminal, events.jsonl). */
public final class ErrorLines {

    private ErrorLines() {}

    /** The exception's own words, plus its cause's if they add something; libraries' detail lines (Jackson: "at [Source: …]") left out. */
    public static String oneLine(Throwable e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !msg.contains(firstLine(cause.getMessage()))) {
            msg += " (" + firstLine(cause.getMessage()) + ")";
        }
        return msg;
    }

    private static String firstLine(String s) {
        return s.lines().findFirst().orElse(s).strip();
    }
}
