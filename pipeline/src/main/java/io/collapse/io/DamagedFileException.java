package io.collapse.io;

import java.io.IOException;

/**
 * A file whose content cannot be used (torn, not what it should hold, null, a FIFO or folder in its
 * place), as opposed to an error reading the disk: work it recorded can be redone from what else
 * checks out, where a disk error should stop the run and leave the file for the next attempt.
 */
public class DamagedFileException extends IOException {

    public DamagedFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
