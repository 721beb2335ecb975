package io.collapse.io;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The crash tests' kill switch, inert unless the system property {@code collapse.test.halt} is set
 * (the tests' ChildRuns sets it on the child JVMs they kill). A kill sent from outside once the run's files
 * show a point lands wherever a fast device has got to by then; here the run stops itself there.
 *
 * <p>{@code collapse.test.halt=N,MS,TEXT}: at the Nth point of this process whose text contains
 * TEXT, the process sends itself SIGKILL MS milliseconds later, or, with MS {@code wait}, prints
 * {@code halt point reached} and stops there until the test kills it, or, with MS {@code oom}, throws
 * CUDA's out-of-memory error there, as a device that ran out of memory at that point would (the
 * failure path a CPU cannot reach: its memory pre-check refuses such configs first). The points: every
 * events.jsonl line once flushed, every {@link AtomicFiles} write once renamed into place
 * ({@code wrote PATH}). Not {@link Runtime#halt}: that runs the C library's exit, whose static
 * destructors pull libtorch from under threads still in native code (a SIGSEGV, sometimes a hang).
 */
public final class HaltHook {

    private static final String[] SPEC = parse(System.getProperty("collapse.test.halt"));
    private static final AtomicInteger SEEN = new AtomicInteger();

    private HaltHook() {}

    /** Called once a point is on disk. */
    public static void reached(String point) {
        if (SPEC == null || !point.contains(SPEC[2]) || SEEN.incrementAndGet() != Integer.parseInt(SPEC[0])) {
            return;
        }
        if (SPEC[1].equals("oom")) {
            throw new IllegalStateException("CUDA out of memory. Tried to allocate 2.00 GiB (collapse.test.halt at " + point + ")");
        }
        long ms = SPEC[1].equals("wait") ? -1 : Long.parseLong(SPEC[1]);
        if (ms > 0) {
            Thread timer = new Thread(() -> {
                sleep(ms);
                kill();
            }, "halt-hook");
            timer.setDaemon(true); // a run that ends first exits as usual
            timer.start();
            return;
        }
        if (ms == 0) {
            kill();
        } else {
            System.out.println("halt point reached: " + point);
            System.out.flush();
        }
        while (true) {
            sleep(Long.MAX_VALUE); // until the kill
        }
    }

    /** Sends SIGKILL to this process. */
    private static void kill() {
        try {
            new ProcessBuilder("kill", "-KILL", Long.toString(ProcessHandle.current().pid())).start().waitFor();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("collapse.test.halt: cannot kill this process", e);
        }
    }

    private static String[] parse(String spec) {
        if (spec == null) {
            return null;
        }
        String[] parts = spec.split(",", 3);
        if (parts.length != 3 || !parts[0].matches("[1-9][0-9]*") || !parts[1].matches("[0-9]+|wait|oom")) {
            throw new IllegalArgumentException("collapse.test.halt: expected N,MS,TEXT, N,wait,TEXT or N,oom,TEXT, got '"
                    + spec + "'");
        }
        return parts;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException ignored) {
            // nothing in the run interrupts this thread here; ending the sleep early is harmless
        }
    }
}
