package io.activation.segment.value;

import java.util.List;

/**
 * The named RFM groups, from the recency and frequency scores (the usual R/F grid; monetary refines within a group
 * but does not move a contact between groups):
 *
 * <pre>
 *          F=1          F=2          F=3                  F=4       F=5
 *  R=5     New          Potential    Potential            Champions Champions
 *  R=4     New          Potential    Potential            Loyal     Loyal
 *  R=3     Hibernating  Hibernating  Potential            Loyal     Loyal
 *  R=2     Hibernating  Hibernating  At risk              At risk   Can't lose them
 *  R=1     Lost         Lost         At risk              At risk   Can't lose them
 * </pre>
 * (Potential = Potential loyalists.)
 */
public final class RfmGroups {

    public static final String CHAMPIONS = "Champions";
    public static final String LOYAL = "Loyal";
    public static final String POTENTIAL_LOYALISTS = "Potential loyalists";
    public static final String NEW = "New";
    public static final String AT_RISK = "At risk";
    public static final String CANT_LOSE_THEM = "Can't lose them";
    public static final String HIBERNATING = "Hibernating";
    public static final String LOST = "Lost";

    /** Every group, best first. */
    public static final List<String> ALL = List.of(CHAMPIONS, LOYAL, POTENTIAL_LOYALISTS, NEW, AT_RISK,
            CANT_LOSE_THEM, HIBERNATING, LOST);

    private RfmGroups() {}

    public static String group(int r, int f) {
        if (r < 1 || r > 5 || f < 1 || f > 5) {
            throw new IllegalArgumentException("scores are 1 to 5: r=" + r + ", f=" + f);
        }
        if (r >= 4) {
            if (f == 1) {
                return NEW;
            }
            if (f <= 3) {
                return POTENTIAL_LOYALISTS;
            }
            return r == 5 ? CHAMPIONS : LOYAL;
        }
        if (r == 3) {
            return f <= 2 ? HIBERNATING : f == 3 ? POTENTIAL_LOYALISTS : LOYAL;
        }
        if (f <= 2) {
            return r == 2 ? HIBERNATING : LOST;
        }
        return f == 5 ? CANT_LOSE_THEM : AT_RISK;
    }

    /**
     * The same mapping as SQL over integer columns {@code r} and {@code f}: the cell {@code (r - 1) * 5 + f} of
     * the 25 groups in an array (null when either is null). A CASE of 25 cells evaluated r and f, themselves
     * expressions of the ranks once the planner flattens the subqueries, in every branch it tried: about a second
     * of a recompute over 600,000 contacts.
     */
    static String sql(String r, String f) {
        StringBuilder sql = new StringBuilder("(array[");
        for (int ri = 1; ri <= 5; ri++) {
            for (int fi = 1; fi <= 5; fi++) {
                sql.append(ri == 1 && fi == 1 ? "" : ", ").append("'").append(group(ri, fi).replace("'", "''"))
                        .append("'");
            }
        }
        return sql.append("]::text[])[(").append(r).append(" - 1) * 5 + ").append(f).append("]").toString();
    }
}
