/**
 * The customer data model: the star of tables around {@code contacts}. A marketer defines interaction tables
 * (orders, carts), linked-data tables (coupons, loyalty accounts) and reference tables (products) at run time;
 * each is a real PostgreSQL table in the schema {@code data}, with typed columns and the indexes segments need,
 * created and altered only through {@link io.activation.datamodel.DdlBuilder}, whose identifiers and types come
 * from a whitelist. {@link io.activation.datamodel.RowWriter} is the one write path for every table, contacts
 * included: it validates typed values, upserts by business key and reports exactly what changed.
 */
package io.activation.datamodel;
