package io.collapse.cli;

/** What every command shares: DJL offline by default, and errors as one line for the user. */
final class CliSupport {

    private CliSupport() {}

    /** DJL never touches the network unless the user sets {@code ai.djl.offline=false}. */
    static void offlineByDefault() {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
    }

    /** A one-line message for the user: the exception's own words, plus its cause's if they add something. */
    static String describe(Throwable ex) {
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        Throwable cause = ex.getCause();
        if (cause != null && cause.getMessage() != null && !msg.contains(cause.getMessage())) {
            msg += " (" + cause.getMessage() + ")";
        }
        return msg;
    }
}
