package io.collapse.io;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a download's body when no byte has come for a while: a server that keeps the connection
 * open and stops sending would otherwise hold the read, and the run behind it, for ever. The read
 * then ends early, and {@link #stalled} tells it from the body's real end.
 */
final class StallWatch implements AutoCloseable {

    /** One daemon thread for every watch: it only looks at the clock. */
    private static final ScheduledExecutorService CLOCK = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "collapse-download-watch");
        t.setDaemon(true);
        return t;
    });

    private final ScheduledFuture<?> check;
    private volatile long lastByte = System.nanoTime();
    private volatile boolean stalled;

    StallWatch(InputStream body, Duration limit) {
        long period = Math.max(1, Math.min(1000, limit.toMillis() / 4));
        check = CLOCK.scheduleAtFixedRate(() -> {
            if (!stalled && System.nanoTime() - lastByte > limit.toNanos()) {
                stalled = true;
                try {
                    body.close();
                } catch (IOException e) {
                    // Nothing more to do: the reader sees the end of the body or an error either way.
                }
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    void progressed() {
        lastByte = System.nanoTime();
    }

    boolean stalled() {
        return stalled;
    }

    @Override
    public void close() {
        check.cancel(false);
    }
}
