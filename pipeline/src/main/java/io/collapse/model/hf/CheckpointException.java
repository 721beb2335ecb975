package io.collapse.model.hf;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file that cannot be used, with the file and the problem named. */
public class CheckpointException extends IOException {

    public CheckpointException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
