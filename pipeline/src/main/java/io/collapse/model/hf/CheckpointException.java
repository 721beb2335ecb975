package io.collapse.model.hf;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that cannot be used, with the file and the problem named. */
public class CheckpointException extends IOException {

    public CheckpointException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /** {@code damage}, a read that found the file's content unusable (its message names the file), as a checkpoint problem. */
    public CheckpointException(IOException damage) {
        super(damage.getMessage(), damage);
    }
}
