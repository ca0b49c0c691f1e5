package io.activation.ingest;

/** How a cell's text is quoted back in messages: cut and without control characters. */
final class Cells {

    private Cells() {}

    static String shown(String text) {
        String cut = text.length() > 60 ? text.substring(0, 60) + "..." : text;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
