package io.activation.ingest;

/** A CSV cell that a transform or its attribute's type cannot take; the message is for the person importing. */
final class InvalidCell extends Exception {

    InvalidCell(String message) {
        super(message, null, false, false);
    }
}
