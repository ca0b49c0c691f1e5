package io.activation.datamodel;

/** The three kinds of user-defined table, and the contacts table at the centre. */
public enum TableKind {
    /** The contacts table itself; exists once, created by the platform. */
    CONTACTS(false),
    /** Things a contact did: orders, order lines, carts, reviews, visits, wishlist items. Rows belong to a contact. */
    INTERACTION(true),
    /** Things a contact has: coupons, children, loyalty accounts. Rows belong to a contact. */
    LINKED(true),
    /** Shared catalogue data: products, stores. Rows belong to no contact. */
    REFERENCE(false);

    private final boolean belongsToContact;

    TableKind(boolean belongsToContact) {
        this.belongsToContact = belongsToContact;
    }

    /** Whether every row of such a table names the contact it belongs to. */
    public boolean belongsToContact() {
        return belongsToContact;
    }
}
