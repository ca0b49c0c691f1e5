package io.activation.ingest;

/** Where an import is: waiting for a worker, being read, done, or stopped by an error. */
public enum ImportStatus {
    QUEUED, RUNNING, SUCCEEDED, FAILED;

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED;
    }
}
