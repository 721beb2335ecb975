package io.collapse.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;

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
        if (e instanceof FileSystemException f && f.getReason() == null) {
            msg += ": " + fileProblem(f); // Java's message for these is the bare path
        }
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !(cause instanceof JsonProcessingException)
                && !msg.contains(firstLine(cause.getMessage()))) {
            msg += " (" + firstLine(cause.getMessage()) + ")";
        }
        return msg;
    }

    /** What a file-system exception that gives no reason means, in words. */
    private static String fileProblem(FileSystemException f) {
        if (f instanceof FileAlreadyExistsException) {
            return "already exists" + (f.getFile() != null && Files.isRegularFile(Path.of(f.getFile())) ? " as a file" : "");
        }
        if (f instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (f instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (f instanceof NotDirectoryException) {
            return "not a folder";
        }
        if (f instanceof DirectoryNotEmptyException) {
            return "a folder that is not empty";
        }
        return "cannot be used (" + f.getClass().getSimpleName() + ")";
    }

    /** "a, b, c, d, e and 3 more": the first five names, then how many others; what a refusal says a folder holds. */
    public static String names(List<String> names) {
        return String.join(", ", names.subList(0, Math.min(5, names.size())))
                + (names.size() > 5 ? " and " + (names.size() - 5) + " more" : "");
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
