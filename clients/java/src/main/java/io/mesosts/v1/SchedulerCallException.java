package io.mesosts.v1;

/** The master answered a call with an error status (status 0: not subscribed, or no answer). */
public final class SchedulerCallException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    public SchedulerCallException(int status, String message) {
        super(message);
        this.status = status;
    }

    public SchedulerCallException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    /** The HTTP status (0 when there was none). */
    public int status() {
        return status;
    }
}
