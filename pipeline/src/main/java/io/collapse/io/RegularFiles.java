package io.collapse.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Whether a file to read is there, and that a single-file output is not. A folder, FIFO, device or
 * link to nothing where a file belongs is the user's mistake, not an absent file: taken for absent,
 * a model folder would load with other settings without a word, and read, a FIFO would block for ever.
 */
public final class RegularFiles {

    private RegularFiles() {}

    /**
     * True for a regular file (or a link to one), false where there is nothing.
     *
     * @throws IOException naming {@code file} and what it is instead
     */
    public static boolean isPresent(Path file) throws IOException {
        String instead = instead(file);
        if (instead != null) {
            throw new IOException(file + ": " + instead + "; expected a file");
        }
        return Files.isRegularFile(file);
    }

    /**
     * Refuses an output file that is already there (a file, folder, FIFO or link): collapse writes a
     * single-file output only where nothing is, so a path typed wrong cannot replace a model's weights.
     *
     * @param option how the user named it ("--per-sequence")
     */
    public static void requireNew(Path file, String option) throws IOException {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(option + " " + file + ": already exists; name a new file (it is never overwritten)");
        }
    }

    /** What stands where {@code file} belongs instead of a regular file ("a folder"…); null for a file or nothing. */
    public static String instead(Path file) {
        if (Files.isRegularFile(file) || !Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        return Files.isDirectory(file) ? "a folder"
                : Files.isSymbolicLink(file) && !Files.exists(file) ? "a link to nothing (or a loop of links)"
                : "not a regular file (a FIFO or device?)";
    }
}
