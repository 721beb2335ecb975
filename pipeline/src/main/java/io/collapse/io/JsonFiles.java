package io.collapse.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.CharConversionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.function.Function;

/**
 * The JSON files that record where work stands (a run's state.json, a generation's eval.json, a
 * corpus manifest, a training state): absent until first written, then replaced whole, atomically.
 * Each caller brings its own mapper, which decides how strictly the file is read.
 */
public final class JsonFiles {

    private JsonFiles() {}

    /**
     * {@code file} as a {@code type}, or null when there is none; a file that does not read, or holds
     * JSON null, fails as "FILE: NOT_A (why)", {@code why} telling the failure in the user's words:
     * a {@link DamagedFileException} where the content is at fault, not the disk.
     */
    public static <T> T readIfPresent(ObjectMapper json, Path file, Class<T> type, String notA,
            Function<IOException, String> why) throws IOException {
        // Asked of the file system itself: Files.exists answers false when it cannot tell (a stale NFS
        // handle, a folder in the path made a file), and an absent training state restarts the training.
        BasicFileAttributes attributes = null;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            if (!Files.isSymbolicLink(file)) {
                return null;
            }
        } catch (IOException e) {
            throw new IOException(file + ": " + notA + " (" + AtomicFiles.reason(e) + ")", e);
        }
        if (attributes == null || !attributes.isRegularFile()) { // a link to nothing, a folder; a FIFO would block the read
            throw new DamagedFileException(file + ": " + notA + " (" + RegularFiles.instead(file) + ")", null);
        }
        T value;
        try {
            value = json.readValue(file.toFile(), type);
        } catch (JsonProcessingException | CharConversionException e) { // the latter: bytes of no Unicode encoding
            throw new DamagedFileException(file + ": " + notA + " (" + why.apply(e) + ")", e);
        } catch (IOException e) {
            throw new IOException(file + ": " + notA + " (" + why.apply(e) + ")", e);
        }
        // A file that says null is damaged, not absent: read as absent, finished work would be redone.
        if (value == null) {
            throw new DamagedFileException(file + ": " + notA + " (it holds JSON null; expected an object)", null);
        }
        return value;
    }

    /** Replaces {@code file} with {@code value} as JSON: readers see the old file or the new one, never half of one. */
    public static void write(ObjectMapper json, Path file, Object value) throws IOException {
        AtomicFiles.writeString(file, json.writeValueAsString(value));
    }
}
