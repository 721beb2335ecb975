package io.collapse.io;

import java.io.IOException;
import java.time.Duration;

/** Waiting between tries (a download, a lock): an interrupt ends the wait as an IOException saying what waited. */
public final class Pause {

    private Pause() {}

    /** Sleeps {@code d}; interrupted, keeps the interrupt flag and throws, naming {@code waitingFor}. */
    public static void of(Duration d, String waitingFor) throws IOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting " + waitingFor, e);
        }
    }
}
