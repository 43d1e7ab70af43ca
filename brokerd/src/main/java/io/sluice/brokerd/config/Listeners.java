package io.sluice.brokerd.config;

import io.sluice.brokerd.security.SecurityProtocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The listener keys as Kafka writes them, parsed and cross-checked:
 * <pre>
 *   listeners: PLAINTEXT://127.0.0.1:9092,SSL://0.0.0.0:9093     (a bare HOST:PORT is the listener PLAINTEXT)
 *   advertised.listeners: SSL://broker1.example.com:9093          (per listener; unnamed ones advertise their bind)
 *   listener.security.protocol.map: INTERNAL:SSL,EXTERNAL:SASL_SSL (custom names; the four protocol names map to
 *                                                                   themselves by default)
 *   inter.broker.listener.name: INTERNAL                            (replication and every broker-to-broker client)
 * </pre>
 * Names are case-insensitive and kept upper case. Stateless.
 */
public final class Listeners {
    /** Kafka's default {@code listener.security.protocol.map}. */
    public static final String DEFAULT_PROTOCOL_MAP = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_\\-]*");

    /**
     * One listener.
     *
     * @param name           upper-case listener name
     * @param protocol       its security protocol (from the protocol map)
     * @param host           address it binds
     * @param port           port it binds; 0 picks a free one
     * @param advertisedHost host clients are told (the bind host unless {@code advertised.listeners} names it)
     * @param advertisedPort port clients are told; -1: the bound port
     */
    public record Listener(String name, SecurityProtocol protocol, String host, int port, String advertisedHost,
                           int advertisedPort) {
    }

    /** An endpoint as written: optional name, host, port. */
    record Endpoint(String name, String host, int port) {
    }

    private Listeners() {
    }

    /** Parses {@code [NAME://]HOST:PORT,...}; IllegalArgumentException says which entry is wrong. */
    static List<Endpoint> parseEndpoints(String value) {
        List<Endpoint> out = new ArrayList<>();
        if (value.isBlank()) {
            return out;
        }
        for (String raw : value.split(",")) {
            String e = raw.trim();
            String name = "PLAINTEXT";
            int sep = e.indexOf("://");
            String hostPort = e;
            if (sep >= 0) {
                name = e.substring(0, sep);
                hostPort = e.substring(sep + 3);
                if (!NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException("'" + e + "': listener name '" + name + "' must be letters, digits, _ or -");
                }
            }
            int colon = hostPort.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("'" + e + "' is not [NAME://]HOST:PORT");
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("'" + e + "': port '" + hostPort.substring(colon + 1) + "' is not a number");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("'" + e + "': port " + port + " is outside 0-65535");
            }
            out.add(new Endpoint(name.toUpperCase(Locale.ROOT), host.isEmpty() ? "0.0.0.0" : host, port));
        }
        return out;
    }

    /** Parses {@code NAME:PROTOCOL,...} into upper-case name to protocol. */
    static Map<String, SecurityProtocol> parseProtocolMap(String value) {
        Map<String, SecurityProtocol> out = new LinkedHashMap<>();
        for (String raw : value.split(",")) {
            String e = raw.trim();
            if (e.isEmpty()) {
                continue;
            }
            int colon = e.indexOf(':');
            if (colon <= 0 || !NAME.matcher(e.substring(0, colon)).matches()) {
                throw new IllegalArgumentException("'" + e + "' is not NAME:PROTOCOL");
            }
            String name = e.substring(0, colon).toUpperCase(Locale.ROOT);
            if (out.put(name, SecurityProtocol.parse(e.substring(colon + 1))) != null) {
                throw new IllegalArgumentException("listener " + name + " is mapped twice");
            }
        }
        return out;
    }

    static boolean validEndpoints(String v) {
        try {
            parseEndpoints(v);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static boolean validProtocolMap(String v) {
        try {
            parseProtocolMap(v);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static boolean validName(String v) {
        return v.isEmpty() || NAME.matcher(v).matches();
    }

    /**
     * The listeners of a configuration, checked together; ConfigException names the key at fault.
     */
    static List<Listener> resolve(String listeners, String advertised, String protocolMap) {
        List<Endpoint> bind = parse(BrokerConfigDef.LISTENERS, listeners);
        if (bind.isEmpty()) {
            throw new ConfigException("config key 'listeners' must name at least one listener");
        }
        Map<String, SecurityProtocol> map = new LinkedHashMap<>();
        try {
            map.putAll(parseProtocolMap(protocolMap));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("config key 'listener.security.protocol.map': " + e.getMessage());
        }
        Map<String, Endpoint> byName = new LinkedHashMap<>();
        java.util.Set<Integer> ports = new java.util.HashSet<>();
        for (Endpoint e : bind) {
            if (byName.put(e.name(), e) != null) {
                throw new ConfigException("config key 'listeners' names listener " + e.name() + " twice");
            }
            if (e.port() != 0 && !ports.add(e.port())) {
                throw new ConfigException("config key 'listeners' binds port " + e.port() + " twice");
            }
            if (!map.containsKey(e.name())) {
                throw new ConfigException("config key 'listeners': listener " + e.name() + " has no security protocol; "
                        + "name it PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, or map it in 'listener.security.protocol.map' "
                        + "(e.g. " + e.name() + ":SSL)");
            }
        }
        Map<String, Endpoint> adv = new LinkedHashMap<>();
        for (Endpoint a : parse(BrokerConfigDef.ADVERTISED_LISTENERS, advertised)) {
            if (!byName.containsKey(a.name())) {
                throw new ConfigException("config key 'advertised.listeners' names listener " + a.name()
                        + ", which 'listeners' does not define (it defines " + byName.keySet() + ")");
            }
            if (adv.put(a.name(), a) != null) {
                throw new ConfigException("config key 'advertised.listeners' names listener " + a.name() + " twice");
            }
            if (isWildcard(a.host())) {
                throw new ConfigException("config key 'advertised.listeners': listener " + a.name() + " advertises "
                        + a.host() + "; clients need an address they can connect to");
            }
        }
        List<Listener> out = new ArrayList<>();
        for (Endpoint e : bind) {
            Endpoint a = adv.get(e.name());
            out.add(new Listener(e.name(), map.get(e.name()), e.host(), e.port(), a == null ? e.host() : a.host(),
                    a == null ? -1 : a.port()));
        }
        return out;
    }

    /** {@code inter.broker.listener.name}, or when empty the listener named PLAINTEXT (as Kafka), or the only one. */
    static String interBrokerListener(String configured, List<Listener> listeners) {
        if (!configured.isEmpty()) {
            String name = configured.toUpperCase(Locale.ROOT);
            if (listeners.stream().noneMatch(l -> l.name().equals(name))) {
                throw new ConfigException("config key 'inter.broker.listener.name' is " + configured
                        + ", which 'listeners' does not define (it defines " + names(listeners) + ")");
            }
            return name;
        }
        if (listeners.size() == 1) {
            return listeners.get(0).name();
        }
        if (listeners.stream().anyMatch(l -> l.name().equals("PLAINTEXT"))) {
            return "PLAINTEXT";
        }
        throw new ConfigException("config key 'inter.broker.listener.name' must be set: 'listeners' defines "
                + names(listeners) + " and none is named PLAINTEXT");
    }

    /** Refuses a listener the broker cannot advertise (a wildcard bind without an advertised address). */
    static void checkAdvertisable(List<Listener> listeners) {
        for (Listener l : listeners) {
            if (isWildcard(l.advertisedHost())) {
                throw new ConfigException("config key 'advertised.listeners' must name listener " + l.name() + " (e.g. "
                        + l.name() + "://HOST:" + (l.port() == 0 ? "PORT" : l.port()) + ") when 'listeners' binds it to " + l.host());
            }
        }
    }

    private static List<String> names(List<Listener> listeners) {
        return listeners.stream().map(Listener::name).toList();
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    private static List<Endpoint> parse(String key, String value) {
        try {
            return parseEndpoints(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("config key '" + key + "': " + e.getMessage());
        }
    }
}
