package io.activation.journey.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which webhook targets may be called. Addresses are judged after resolution, so a public-looking name that
 * resolves to {@code 127.0.0.1} is refused like the literal; IPv6 forms that embed an IPv4 address (mapped,
 * compatible, NAT64, 6to4) are judged by the embedded address.
 */
final class NetworkPolicy {

    /** A host the URL parser of a browser or curl would read as an IPv4 number: its last label is numeric. */
    private static final Pattern NUMERIC_LAST_LABEL = Pattern.compile("(?i)(0x[0-9a-f]*|[0-9]+)");
    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final Pattern CANONICAL_V4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");

    /** Non-public IPv4 ranges (RFC 6890 special-purpose registry, plus multicast and reserved). */
    private static final List<Cidr> BLOCKED_V4 = List.of(
            Cidr.parse("0.0.0.0/8"), Cidr.parse("10.0.0.0/8"), Cidr.parse("100.64.0.0/10"),
            Cidr.parse("127.0.0.0/8"), Cidr.parse("169.254.0.0/16"), Cidr.parse("172.16.0.0/12"),
            Cidr.parse("192.0.0.0/24"), Cidr.parse("192.0.2.0/24"), Cidr.parse("192.88.99.0/24"),
            Cidr.parse("192.168.0.0/16"), Cidr.parse("198.18.0.0/15"), Cidr.parse("198.51.100.0/24"),
            Cidr.parse("203.0.113.0/24"), Cidr.parse("224.0.0.0/4"), Cidr.parse("240.0.0.0/4"));

    /** Non-public IPv6 ranges; the ones embedding IPv4 are handled before these. */
    private static final List<Cidr> BLOCKED_V6 = List.of(
            Cidr.parse("::/128"), Cidr.parse("::1/128"), Cidr.parse("100::/64"), Cidr.parse("2001::/32"),
            Cidr.parse("2001:db8::/32"), Cidr.parse("fc00::/7"), Cidr.parse("fe80::/10"), Cidr.parse("fec0::/10"),
            Cidr.parse("ff00::/8"));

    private static final Cidr V4_COMPATIBLE = Cidr.parse("::/96");
    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");

    private final boolean allowPrivateNetworks;
    private final List<String> allowedHosts;
    private final List<Cidr> allowedNetworks;

    NetworkPolicy(boolean allowPrivateNetworks, List<String> allowedHosts, List<String> allowedNetworks) {
        this.allowPrivateNetworks = allowPrivateNetworks;
        this.allowedHosts = allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        this.allowedNetworks = allowedNetworks.stream().map(Cidr::parse).toList();
    }

    /** Why the host name itself may not be called, or null. Runs before any resolution. */
    String refuseHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (!h.contains(":")) {
            String[] labels = h.split("\\.", -1);
            if (NUMERIC_LAST_LABEL.matcher(labels[labels.length - 1]).matches() && !CANONICAL_V4.matcher(h).matches()) {
                // 2130706433, 0177.0.0.1, 0x7f.1, 127.1: read differently by different parsers; never guess.
                return "host '" + host + "' is not a canonical dotted-quad IPv4 address";
            }
        }
        if (!allowedHosts.isEmpty() && allowedHosts.stream().noneMatch(pattern -> matches(pattern, host))) {
            return "host '" + host + "' is not on the allow-list (activation.webhooks.allowed-hosts)";
        }
        return null;
    }

    /** Why the address may not be called, or null when it may. */
    String refuseAddress(InetAddress address) {
        if (allowPrivateNetworks || allowedNetworks.stream().anyMatch(n -> n.contains(address))) {
            return null;
        }
        String reason = nonPublic(address);
        return reason == null ? null : address.getHostAddress() + " is " + reason;
    }

    static String nonPublic(InetAddress address) {
        if (address instanceof Inet4Address) {
            return BLOCKED_V4.stream().anyMatch(c -> c.contains(address)) ? "not a public address" : null;
        }
        byte[] b = address.getAddress();
        Inet4Address embedded = null;
        if (V4_COMPATIBLE.contains(address) && !Cidr.parse("::/127").contains(address) || NAT64.contains(address)) {
            embedded = v4(b, 12);
        } else if (SIX_TO_FOUR.contains(address)) {
            embedded = v4(b, 2);
        }
        if (embedded != null) {
            String reason = nonPublic(embedded);
            return reason == null ? null : reason + " (embeds " + embedded.getHostAddress() + ")";
        }
        return BLOCKED_V6.stream().anyMatch(c -> c.contains(address)) ? "not a public address" : null;
    }

    private static Inet4Address v4(byte[] b, int from) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {b[from], b[from + 1], b[from + 2], b[from + 3]});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean matches(String pattern, String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (pattern.startsWith("*.")) {
            return h.endsWith(pattern.substring(1));
        }
        return h.equals(pattern);
    }

    /** An address range, IPv4 or IPv6, as {@code address/prefix}. */
    record Cidr(byte[] network, int prefix) {

        static Cidr parse(String cidr) {
            int slash = cidr.indexOf('/');
            String address = slash < 0 ? cidr : cidr.substring(0, slash);
            if (!address.contains(":") && !CANONICAL_V4.matcher(address).matches()) {
                throw new IllegalArgumentException("Not an IP range: " + cidr);
            }
            try {
                // Literal addresses only (checked above for IPv4; IPv6 literals contain ':'), so no DNS lookup.
                byte[] bytes = InetAddress.getByName(address).getAddress();
                int prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
                if (prefix < 0 || prefix > bytes.length * 8) {
                    throw new IllegalArgumentException("Not an IP range: " + cidr);
                }
                return new Cidr(bytes, prefix);
            } catch (UnknownHostException | NumberFormatException e) {
                throw new IllegalArgumentException("Not an IP range: " + cidr, e);
            }
        }

        boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            if (a.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (network[full] & mask);
        }
    }
}
