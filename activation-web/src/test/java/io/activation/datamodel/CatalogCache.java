package io.activation.datamodel;

/** Lets tests expire the catalogue's cache of a table, as {@code TableCatalog.MAX_AGE} does in production. */
public final class CatalogCache {

    private CatalogCache() {}

    public static void expire(TableCatalog catalog, String table) {
        catalog.evict(table);
    }
}
