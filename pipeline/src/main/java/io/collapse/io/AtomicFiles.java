package io.collapse.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Writes that survive a kill at any instant: data goes to a temporary name in the same folder, is
 * flushed to disk, then renamed over the target, so readers see the old file or the new one, never
 * half of one. Lives in config/ because every package may import it.
 */
public final class AtomicFiles {

    private AtomicFiles() {}

    /** Body of an atomic write: fill the stream. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Body of an atomic write that needs a file name: write the whole file at {@code tmp}. */
    @FunctionalInterface
    public interface FileWriter {
        void write(Path tmp) throws IOException;
    }

    public static void write(Path target, Writer body) throws IOException {
        writeFile(target, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(out);
            }
        });
    }

    /**
     * The atomic write for writers that take a path (e.g. safetensors). Temporary files are named
     * {@code .<target name>.<random>.tmp}; {@link #isLeftover} recognises those a kill left behind.
     * A failure says which file was being written (a full disk's own message names none).
     */
    public static void writeFile(Path target, FileWriter body) throws IOException {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) { // the rename would fail after the whole write
            throw new IOException("cannot write " + target + ": a folder is in its place; expected a file (move the folder away)");
        }
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", TMP_SUFFIX);
            body.write(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            readableByAll(tmp);
            move(tmp, target);
            fsyncDir(dir);
        } catch (IOException e) {
            throw new IOException("cannot write " + target + ": " + reason(e), e);
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
        HaltHook.reached("wrote " + target);
    }

    private static final String TMP_SUFFIX = ".tmp";

    /**
     * The names in {@code dir}, sorted, that are neither {@code own} (what the writer of the folder
     * makes there) nor a file the user's own tools put beside collapse's outputs, which collapse never
     * writes: a job's log ({@code > DIR/run.log}, a scheduler's {@code slurm-123.out}) or a folder
     * marker ({@code .gitkeep}, {@code .DS_Store}). A run, sweep or training folder refuses these others.
     */
    public static List<String> othersIn(Path dir, Predicate<String> own) throws IOException {
        return names(dir).stream().filter(n -> !own.test(n) && !isUsersNote(dir.resolve(n))).toList();
    }

    private static boolean isUsersNote(Path file) {
        String name = file.getFileName().toString();
        return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                && (name.matches("[^/]+\\.(log|out|err)") || name.equals(".gitkeep") || name.equals(".DS_Store"));
    }

    /** A temporary file of {@link #writeFile} that a kill left behind. */
    public static boolean isLeftover(Path file) {
        String name = file.getFileName().toString();
        return name.startsWith(".") && name.endsWith(TMP_SUFFIX) && Files.isRegularFile(file);
    }

    /** The system's words for an I/O failure, without repeating the file name it may carry. */
    public static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason() + (f.getFile() != null ? " (" + f.getFile() + ")" : "");
        }
        return ErrorLines.oneLine(e);
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** createTempFile makes 0600 files; results (reports, models) should read like ordinary files. */
    private static void readableByAll(Path file) {
        try {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException | UnsupportedOperationException ignored) {
            // Not a POSIX file system: its defaults stand.
        }
    }

    /** Renames atomically where the file system allows it (it does on every local POSIX file system). */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Renames a damaged {@code file} to FILE.damaged, or FILE.damaged.2, .3… where earlier copies
     * are, which are kept: nothing already written is lost. Returns where it went.
     */
    public static Path keepAside(Path file) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".damaged");
        for (int n = 2; Files.exists(aside, LinkOption.NOFOLLOW_LINKS); n++) {
            aside = file.resolveSibling(file.getFileName() + ".damaged." + n);
        }
        move(file, aside);
        return aside;
    }

    /** The names of what {@code dir} holds, sorted: what a refusal to write there lists. */
    public static List<String> names(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Deletes {@code root} and everything below it: the leftovers of a write made in a folder of its own. */
    public static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    /** Makes a rename durable: POSIX needs the directory entry itself flushed. */
    public static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Some file systems refuse to open directories; the rename is still atomic there.
        }
    }
}
