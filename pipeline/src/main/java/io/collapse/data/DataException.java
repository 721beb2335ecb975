package io.collapse.data;

/** A data file is missing, corrupt or not what the manifest says; the message names file and values. */
public final class DataException extends RuntimeException {

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
