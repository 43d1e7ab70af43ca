package io.sluice.brokerd.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.sluice.brokerd.network.NetworkConfig;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * brokerd's typed, validated configuration. The YAML file (config/brokerd.yaml) holds flat Kafka-style keys
 * ({@code node.id: 1}, {@code listeners: 127.0.0.1:9092}, {@code data.dir: ...}); {@code --set key=value} overrides
 * use the same keys. Every key, its default, unit and meaning live in {@link BrokerConfigDef}. An unknown key or a
 * bad value fails start-up with {@link ConfigException} naming the key. Immutable.
 */
public final class BrokerConfig {
    /** Classpath copy of config/brokerd.yaml, the embedded single-node default. */
    public static final String EMBEDDED_DEFAULT = "/io/sluice/brokerd/brokerd.yaml";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Map<String, String> values;
    private final java.util.Set<String> explicit;
    private final String source;

    private BrokerConfig(Map<String, String> values, java.util.Set<String> explicit, String source) {
        this.values = values;
        this.explicit = explicit;
        this.source = source;
    }

    /**
     * Loads {@code file} (null: the embedded single-node default) and applies {@code overrides} on top.
     * Tests use {@code load(null, Map.of("listeners", "127.0.0.1:0", "data.dir", tmp.toString()))}.
     */
    public static BrokerConfig load(Path file, Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>();
        java.util.Set<String> explicit = new java.util.HashSet<>();
        BrokerConfigDef.keys().values().forEach(k -> values.put(k.name(), k.defaultValue() == null ? "" : k.defaultValue()));
        String source;
        if (file == null) {
            source = "embedded default";
            try (InputStream in = BrokerConfig.class.getResourceAsStream(EMBEDDED_DEFAULT)) {
                if (in == null) {
                    throw new ConfigException("embedded default configuration " + EMBEDDED_DEFAULT + " is missing from the build");
                }
                merge(values, explicit, YAML.readTree(in), source);
            } catch (IOException e) {
                throw new ConfigException("cannot read the embedded default configuration: " + e.getMessage());
            }
        } else {
            source = file.toString();
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("config file " + file + " does not exist or is not a file");
            }
            try {
                merge(values, explicit, YAML.readTree(file.toFile()), source);
            } catch (JsonProcessingException e) {
                throw new ConfigException("config file " + file + " is not valid YAML (line "
                        + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + "): " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
            }
        }
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            put(values, explicit, o.getKey(), o.getValue(), "--set");
        }
        BrokerConfig config = new BrokerConfig(values, explicit, source);
        config.checkQuorum();
        config.checkListeners();
        config.checkRequestMemory();
        return config;
    }

    /** The listener keys together, and every {@code listener.name.<name>.} override names a defined listener. */
    private void checkListeners() {
        List<Listeners.Listener> listeners = listeners();
        Listeners.interBrokerListener(get(BrokerConfigDef.INTER_BROKER_LISTENER_NAME), listeners);
        for (String key : values.keySet()) {
            if (key.startsWith(BrokerConfigDef.LISTENER_PREFIX)) {
                String name = key.substring(BrokerConfigDef.LISTENER_PREFIX.length(), key.indexOf('.', BrokerConfigDef.LISTENER_PREFIX.length()));
                if (listeners.stream().noneMatch(l -> l.name().equalsIgnoreCase(name))) {
                    throw new ConfigException("config key '" + key + "' names listener " + name.toUpperCase(java.util.Locale.ROOT)
                            + ", which 'listeners' does not define");
                }
            }
        }
    }

    /** The roles and the quorum together, as KRaft checks process.roles against controller.quorum.voters. */
    private void checkQuorum() {
        Map<Integer, String> voters = BrokerConfigDef.parseVoters(get(BrokerConfigDef.CONTROLLER_QUORUM_VOTERS));
        String roles = get(BrokerConfigDef.PROCESS_ROLES);
        if (isController() && !voters.isEmpty() && !voters.containsKey(nodeId())) {
            throw new ConfigException("config key 'controller.quorum.voters' must list this node's node.id " + nodeId()
                    + " ('process.roles' is " + roles + ", so it is a controller voter); it lists " + voters.keySet());
        }
        if (!isController() && voters.containsKey(nodeId())) {
            throw new ConfigException("config key 'process.roles' is broker but 'controller.quorum.voters' lists this node's "
                    + "node.id " + nodeId() + ": a broker-only process is never a voter; remove it from the voters or set "
                    + "'process.roles' to broker,controller");
        }
        if (voters.isEmpty() && !(isController() && isBroker())) {
            throw new ConfigException("config key 'controller.quorum.voters' must name the controller quorum when "
                    + "'process.roles' is " + roles + " (only a combined broker,controller node can be a quorum of its own)");
        }
        if (!(isBroker() && isController())
                && listeners().stream().anyMatch(l -> l.name().equals(interBrokerListenerName()) && l.protocol().usesTls())) {
            throw new ConfigException("config key 'process.roles' is " + roles + " but the inter-broker listener speaks TLS: "
                    + "the controller quorum runs over mutual TLS only on combined broker,controller nodes so far");
        }
        if (!isBroker()) {
            for (String key : List.of(BrokerConfigDef.LISTENERS, BrokerConfigDef.ADVERTISED_LISTENERS)) {
                String byDefault = BrokerConfigDef.keys().get(key).defaultValue();
                if (!get(key).equals(byDefault == null ? "" : byDefault)) {
                    throw new ConfigException("config key '" + key + "' must not be set when 'process.roles' is controller: "
                            + "a dedicated controller serves no Kafka clients (it speaks Raft on its controller.quorum.voters "
                            + "entry); remove '" + key + "' or add broker to 'process.roles'");
                }
            }
        }
        if (voters.size() > 1 && get(BrokerConfigDef.CONTROLLER_LISTENER).endsWith(":0")) {
            throw new ConfigException("config key 'controller.listener' needs a fixed port in a multi-voter quorum");
        }
    }

    /** As Kafka requires: the broker-wide request budget holds at least one request of the largest size. */
    private void checkRequestMemory() {
        long queued = Long.parseLong(get(BrokerConfigDef.QUEUED_MAX_REQUEST_BYTES));
        int frame = Integer.parseInt(get(BrokerConfigDef.SOCKET_REQUEST_MAX_BYTES));
        if (queued > 0 && queued < frame) {
            throw new ConfigException("config key 'queued.max.request.bytes' (" + queued + ") must be -1 or at least "
                    + "socket.request.max.bytes (" + frame + ")");
        }
    }

    private static void merge(Map<String, String> values, java.util.Set<String> explicit, JsonNode root, String source) {
        if (root == null || root.isNull() || root.isMissingNode()) {
            return;
        }
        if (!root.isObject()) {
            throw new ConfigException(source + ": expected a mapping of config keys to values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isContainerNode()) {
                throw new ConfigException("config key '" + e.getKey() + "' in " + source + " must have a single value, not a "
                        + (v.isArray() ? "list" : "mapping"));
            }
            put(values, explicit, e.getKey(), v.isNull() ? "" : v.asText(), source);
        }
    }

    private static void put(Map<String, String> values, java.util.Set<String> explicit, String key, String value, String source) {
        BrokerConfigDef.Key k = BrokerConfigDef.keys().get(key);
        if (k == null) {
            k = BrokerConfigDef.overriddenKey(key);
        }
        if (k == null) {
            throw new ConfigException("unknown config key '" + key + "' in " + source);
        }
        String v = value.trim();
        boolean computedAndEmpty = k.defaultValue() == null && v.isEmpty();
        if (!computedAndEmpty && !k.valid().test(v)) {
            throw new ConfigException("bad value '" + value + "' for config key '" + key + "' in " + source + ": expected " + k.expected());
        }
        values.put(key, v);
        explicit.add(key);
    }

    /** Where the values came from (the file, or "embedded default"). */
    public String source() {
        return source;
    }

    public String get(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no such config key " + key);
        }
        return v;
    }

    public int nodeId() {
        return Integer.parseInt(get(BrokerConfigDef.NODE_ID));
    }

    /** {@code process.roles} has broker: this process serves Kafka clients and holds partitions. */
    public boolean isBroker() {
        return BrokerConfigDef.parseRoles(get(BrokerConfigDef.PROCESS_ROLES)).contains("broker");
    }

    /** {@code process.roles} has controller: this process is a controller quorum voter. */
    public boolean isController() {
        return BrokerConfigDef.parseRoles(get(BrokerConfigDef.PROCESS_ROLES)).contains("controller");
    }

    /** Empty when the cluster id is to be generated/read from meta.properties. */
    public String clusterId() {
        return get(BrokerConfigDef.CLUSTER_ID);
    }

    public Path dataDir() {
        return path(BrokerConfigDef.DATA_DIR);
    }

    /** The value of a path key, {@code ~} expanded as {@link #expandHome} says, absolute and normalised. */
    public Path path(String key) {
        return Paths.get(expandHome(get(key), System::getenv)).toAbsolutePath().normalize();
    }

    /**
     * {@code ~} or a leading {@code ~/} replaced by the home directory: {@code $HOME} where it is set (as the shell
     * does, so {@code HOME=/x brokerd} writes under /x), else the JVM's {@code user.home}. {@code ~user} is left as
     * it is. {@code env} reads environment variables (tests pass their own).
     */
    static String expandHome(String path, java.util.function.UnaryOperator<String> env) {
        if (!path.equals("~") && !path.startsWith("~/")) {
            return path;
        }
        String home = env.apply("HOME");
        if (home == null || home.isBlank()) {
            home = System.getProperty("user.home");
        }
        return home + path.substring(1);
    }

    /** The first listener's bind host. */
    public String listenerHost() {
        return listeners().get(0).host();
    }

    /** The first listener's bind port. */
    public int listenerPort() {
        return listeners().get(0).port();
    }

    /** Every listener, in the order of {@code listeners}, with its protocol and advertised address. */
    public List<Listeners.Listener> listeners() {
        return Listeners.resolve(get(BrokerConfigDef.LISTENERS), get(BrokerConfigDef.ADVERTISED_LISTENERS),
                get(BrokerConfigDef.LISTENER_SECURITY_PROTOCOL_MAP));
    }

    /** The listener other brokers reach this one on (replication), upper case. */
    public String interBrokerListenerName() {
        return Listeners.interBrokerListener(get(BrokerConfigDef.INTER_BROKER_LISTENER_NAME), listeners());
    }

    /**
     * Everything a start needs beyond single keys: every listener advertisable, the SASL files readable by their
     * owner only, on a SASL inter-broker listener this broker's own credentials and a mechanism that listener
     * enables. ConfigException names the key.
     */
    public void checkStartable() {
        List<Listeners.Listener> listeners = listeners();
        Listeners.checkAdvertisable(listeners);
        saslBootstrapUsers();
        interBrokerSasl();
    }

    /**
     * How this broker authenticates towards the others: null unless the inter-broker listener is SASL_*; then
     * {@code sasl.mechanism.inter.broker.protocol} and the one user of {@code sasl.inter.broker.credentials.file}.
     */
    public io.sluice.brokerd.security.SaslClientCredentials interBrokerSasl() {
        String name = interBrokerListenerName();
        Listeners.Listener l = listeners().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        if (!l.protocol().usesSasl()) {
            return null;
        }
        String mechanism = get(BrokerConfigDef.SASL_MECHANISM_INTER_BROKER_PROTOCOL);
        if (!saslEnabledMechanisms(name).contains(mechanism)) {
            throw new ConfigException("config key '" + BrokerConfigDef.SASL_MECHANISM_INTER_BROKER_PROTOCOL + "' is " + mechanism
                    + ", which the inter-broker listener " + name + " does not enable (" + saslEnabledMechanisms(name) + ")");
        }
        String key = BrokerConfigDef.SASL_INTER_BROKER_CREDENTIALS_FILE;
        String f = get(key);
        if (f.isEmpty()) {
            throw new ConfigException("config key '" + key + "' must name a file with this broker's NAME:PASSWORD: the "
                    + "inter-broker listener " + name + " uses " + l.protocol());
        }
        Map<String, String> users;
        try {
            users = io.sluice.brokerd.security.UserPasswordFile.read(expandHome(f));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("config key '" + key + "': " + e.getMessage());
        }
        if (users.size() != 1) {
            throw new ConfigException("config key '" + key + "': " + expandHome(f) + " must hold exactly one NAME:PASSWORD line, "
                    + "it holds " + users.size());
        }
        Map.Entry<String, String> user = users.entrySet().iterator().next();
        return new io.sluice.brokerd.security.SaslClientCredentials(mechanism, user.getKey(), user.getValue());
    }

    /**
     * The SASL mechanisms listener {@code listenerName} offers: {@code listener.name.<name>.sasl.enabled.mechanisms}
     * where set, else {@code sasl.enabled.mechanisms}.
     */
    public List<String> saslEnabledMechanisms(String listenerName) {
        String key = BrokerConfigDef.LISTENER_PREFIX + listenerName.toLowerCase(java.util.Locale.ROOT) + "."
                + BrokerConfigDef.SASL_ENABLED_MECHANISMS;
        return java.util.Arrays.stream(values.getOrDefault(key, get(BrokerConfigDef.SASL_ENABLED_MECHANISMS)).split(","))
                .map(String::trim).filter(m -> !m.isEmpty()).toList();
    }

    /** {@code sasl.bootstrap.users.file}, or null when not set. */
    public Path saslBootstrapUsersFile() {
        String f = get(BrokerConfigDef.SASL_BOOTSTRAP_USERS_FILE);
        return f.isEmpty() ? null : expandHome(f);
    }

    /** The bootstrap users (name to password), or an empty map; ConfigException naming the key for a bad file. */
    public Map<String, String> saslBootstrapUsers() {
        Path f = saslBootstrapUsersFile();
        if (f == null) {
            return Map.of();
        }
        try {
            return io.sluice.brokerd.security.UserPasswordFile.read(f);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("config key '" + BrokerConfigDef.SASL_BOOTSTRAP_USERS_FILE + "': " + e.getMessage());
        }
    }

    /**
     * The SCRAM mechanisms bootstrap users get credentials for: those any SASL listener enables; SCRAM-SHA-256 and
     * SCRAM-SHA-512 when none does (PLAIN, or no SASL listener yet: users are ready for either).
     */
    public List<io.sluice.brokerd.security.ScramMechanism> saslBootstrapMechanisms() {
        java.util.Set<io.sluice.brokerd.security.ScramMechanism> out = new java.util.LinkedHashSet<>();
        for (Listeners.Listener l : listeners()) {
            if (l.protocol().usesSasl()) {
                saslEnabledMechanisms(l.name()).forEach(m -> io.sluice.brokerd.security.ScramMechanism.forName(m).ifPresent(out::add));
            }
        }
        return out.isEmpty() ? List.of(io.sluice.brokerd.security.ScramMechanism.values()) : List.copyOf(out);
    }

    public int saslServerMaxReceiveSize() {
        return Integer.parseInt(get(BrokerConfigDef.SASL_SERVER_MAX_RECEIVE_SIZE));
    }

    public long connectionsMaxReauthMs() {
        return Long.parseLong(get(BrokerConfigDef.CONNECTIONS_MAX_REAUTH_MS));
    }

    public long connectionFailedAuthenticationDelayMs() {
        return Long.parseLong(get(BrokerConfigDef.CONNECTION_FAILED_AUTHENTICATION_DELAY_MS));
    }

    /** Advertised host of the first listener; refuses a wildcard bind without an advertised address. */
    public String advertisedHost() {
        Listeners.checkAdvertisable(listeners());
        return listeners().get(0).advertisedHost();
    }

    /**
     * The TLS settings of listener {@code listenerName}: each {@code listener.name.<name>.ssl.*} key where set,
     * else the broker-wide {@code ssl.*} one.
     */
    public io.sluice.brokerd.security.SslConfig listenerSsl(String listenerName) {
        return ssl(BrokerConfigDef.LISTENER_PREFIX + listenerName.toLowerCase(java.util.Locale.ROOT) + ".");
    }

    /** The metrics endpoint's TLS settings: {@code metrics.ssl.*} where set, else {@code ssl.*}. */
    public io.sluice.brokerd.security.SslConfig metricsSsl() {
        return ssl(BrokerConfigDef.METRICS_PREFIX);
    }

    private io.sluice.brokerd.security.SslConfig ssl(String prefix) {
        java.util.function.Function<String, String> v = key -> values.getOrDefault(prefix + key, get(key));
        java.util.function.Function<String, Path> path = key -> v.apply(key).isEmpty() ? null : expandHome(v.apply(key));
        java.util.function.Function<String, List<String>> list = key -> java.util.Arrays.stream(v.apply(key).split(","))
                .map(String::trim).filter(x -> !x.isEmpty()).toList();
        return new io.sluice.brokerd.security.SslConfig(prefix,
                v.apply(BrokerConfigDef.SSL_KEYSTORE_TYPE).toUpperCase(java.util.Locale.ROOT),
                path.apply(BrokerConfigDef.SSL_KEYSTORE_LOCATION), v.apply(BrokerConfigDef.SSL_KEYSTORE_PASSWORD),
                v.apply(BrokerConfigDef.SSL_KEY_PASSWORD), v.apply(BrokerConfigDef.SSL_KEYSTORE_KEY),
                v.apply(BrokerConfigDef.SSL_KEYSTORE_CERTIFICATE_CHAIN),
                v.apply(BrokerConfigDef.SSL_TRUSTSTORE_TYPE).toUpperCase(java.util.Locale.ROOT),
                path.apply(BrokerConfigDef.SSL_TRUSTSTORE_LOCATION), v.apply(BrokerConfigDef.SSL_TRUSTSTORE_PASSWORD),
                v.apply(BrokerConfigDef.SSL_TRUSTSTORE_CERTIFICATES),
                io.sluice.brokerd.security.SslConfig.ClientAuth.parse(v.apply(BrokerConfigDef.SSL_CLIENT_AUTH)),
                list.apply(BrokerConfigDef.SSL_ENABLED_PROTOCOLS), list.apply(BrokerConfigDef.SSL_CIPHER_SUITES),
                v.apply(BrokerConfigDef.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM),
                io.sluice.brokerd.security.SslPrincipalMapper.parse(v.apply(BrokerConfigDef.SSL_PRINCIPAL_MAPPING_RULES)),
                BrokerConfigDef.perListenerSslKeys().stream().filter(k -> values.containsKey(prefix + k))
                        .collect(java.util.stream.Collectors.toSet()));
    }

    private static Path expandHome(String d) {
        if (d.equals("~") || d.startsWith("~/")) {
            d = System.getProperty("user.home") + d.substring(1);
        }
        return Paths.get(d).toAbsolutePath().normalize();
    }

    public long sslReloadCheckIntervalMs() {
        return Long.parseLong(get(BrokerConfigDef.SSL_RELOAD_CHECK_INTERVAL_MS));
    }

    /** True when {@code metrics.listener} is {@code https://host:port}. */
    public boolean metricsHttps() {
        return get(BrokerConfigDef.METRICS_LISTENER).startsWith("https://");
    }

    /** {@code metrics.basic.auth.file}, or null when the metrics endpoint asks for no credentials. */
    public Path metricsBasicAuthFile() {
        String f = get(BrokerConfigDef.METRICS_BASIC_AUTH_FILE);
        return f.isEmpty() ? null : expandHome(f);
    }

    public boolean authorizerEnabled() {
        return Boolean.parseBoolean(get(BrokerConfigDef.AUTHORIZER_ENABLED));
    }

    /** {@code super.users} as principals ({@code User:admin}), blanks dropped. */
    public java.util.Set<String> superUsers() {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (String p : get(BrokerConfigDef.SUPER_USERS).split(";")) {
            if (!p.isBlank()) {
                out.add(p.trim());
            }
        }
        return out;
    }

    public boolean allowEveryoneIfNoAclFound() {
        return Boolean.parseBoolean(get(BrokerConfigDef.ALLOW_EVERYONE_IF_NO_ACL_FOUND));
    }

    public boolean autoCreateTopics() {
        return Boolean.parseBoolean(get(BrokerConfigDef.AUTO_CREATE_TOPICS));
    }

    public int numPartitions() {
        return Integer.parseInt(get(BrokerConfigDef.NUM_PARTITIONS));
    }

    public short defaultReplicationFactor() {
        return Short.parseShort(get(BrokerConfigDef.DEFAULT_REPLICATION_FACTOR));
    }

    public int numIoThreads() {
        return Integer.parseInt(get(BrokerConfigDef.NUM_IO_THREADS));
    }

    public long retentionCheckIntervalMs() {
        return Long.parseLong(get(BrokerConfigDef.RETENTION_CHECK_INTERVAL_MS));
    }

    /** The metrics listener's host:port (without its scheme), or empty when turned off. */
    public String metricsListener() {
        String l = get(BrokerConfigDef.METRICS_LISTENER);
        return l.startsWith("https://") ? l.substring(8) : l.startsWith("http://") ? l.substring(7) : l;
    }

    public boolean metricsPerPartition() {
        return Boolean.parseBoolean(get(BrokerConfigDef.METRICS_PER_PARTITION));
    }

    public long cleanerBackoffMs() {
        return Long.parseLong(get(BrokerConfigDef.CLEANER_BACKOFF_MS));
    }

    /** log.cleaner.dedupe.buffer.size: most bytes the cleaner's key map takes. */
    public long cleanerDedupeBufferBytes() {
        return Long.parseLong(get(BrokerConfigDef.CLEANER_DEDUPE_BUFFER_SIZE));
    }

    public boolean fsyncAlways() {
        return get(BrokerConfigDef.FSYNC).equals("always");
    }

    public long shutdownTimeoutMs() {
        return Long.parseLong(get(BrokerConfigDef.SHUTDOWN_TIMEOUT_MS));
    }

    /** log.scrub.interval.ms (0: no scrubbing) */
    public long scrubIntervalMs() {
        return Long.parseLong(get(BrokerConfigDef.SCRUB_INTERVAL_MS));
    }

    /** log.scrub.bytes.per.second */
    public long scrubBytesPerSecond() {
        return Long.parseLong(get(BrokerConfigDef.SCRUB_BYTES_PER_SECOND));
    }

    /** offsets.retention.check.interval.ms */
    public long offsetsRetentionCheckIntervalMs() {
        return Long.parseLong(get(BrokerConfigDef.OFFSETS_RETENTION_CHECK_INTERVAL_MS));
    }

    public io.sluice.brokerd.group.GroupConfig groupConfig() {
        return new io.sluice.brokerd.group.GroupConfig(Integer.parseInt(get(BrokerConfigDef.GROUP_MIN_SESSION_TIMEOUT_MS)),
                Integer.parseInt(get(BrokerConfigDef.GROUP_MAX_SESSION_TIMEOUT_MS)),
                Integer.parseInt(get(BrokerConfigDef.GROUP_INITIAL_REBALANCE_DELAY_MS)),
                Long.parseLong(get(BrokerConfigDef.OFFSETS_RETENTION_MINUTES)) * 60_000L,
                Integer.parseInt(get(BrokerConfigDef.OFFSET_METADATA_MAX_BYTES)));
    }

    public long offsetsCommitTimeoutMs() {
        return Long.parseLong(get(BrokerConfigDef.OFFSETS_COMMIT_TIMEOUT_MS));
    }

    /** The transaction coordinator's settings (transaction.* and transactional.id.expiration.ms). */
    public io.sluice.brokerd.txn.TransactionConfig transactionConfig() {
        return new io.sluice.brokerd.txn.TransactionConfig(
                Integer.parseInt(get(BrokerConfigDef.TRANSACTION_STATE_LOG_PARTITIONS)),
                Short.parseShort(get(BrokerConfigDef.TRANSACTION_STATE_LOG_REPLICATION_FACTOR)),
                Integer.parseInt(get(BrokerConfigDef.TRANSACTION_STATE_LOG_MIN_ISR)),
                Integer.parseInt(get(BrokerConfigDef.TRANSACTION_STATE_LOG_SEGMENT_BYTES)),
                Integer.parseInt(get(BrokerConfigDef.TRANSACTION_MAX_TIMEOUT_MS)),
                Integer.parseInt(get(BrokerConfigDef.TRANSACTIONAL_ID_EXPIRATION_MS)),
                Integer.parseInt(get(BrokerConfigDef.TRANSACTION_ABORT_CLEANUP_INTERVAL_MS)),
                Boolean.parseBoolean(get(BrokerConfigDef.TRANSACTION_PARTITION_VERIFICATION_ENABLE)));
    }

    public int offsetsTopicPartitions() {
        return Integer.parseInt(get(BrokerConfigDef.OFFSETS_TOPIC_PARTITIONS));
    }

    /** The controller quorum settings; storage under {@code <data.dir>/__controller}. */
    public io.sluice.brokerd.controller.ControllerConfig controllerConfig() {
        Map<Integer, String> voters = new TreeMap<>(BrokerConfigDef.parseVoters(get(BrokerConfigDef.CONTROLLER_QUORUM_VOTERS)));
        String bind = get(BrokerConfigDef.CONTROLLER_LISTENER);
        if (voters.isEmpty()) {
            if (bind.isEmpty()) {
                bind = "127.0.0.1:0";
            }
            voters.put(nodeId(), bind);
        } else if (bind.isEmpty()) {
            // A broker-only process binds no Raft server.
            bind = isController() ? voters.get(nodeId()) : "127.0.0.1:0";
        }
        int colon = bind.lastIndexOf(':');
        return new io.sluice.brokerd.controller.ControllerConfig(nodeId(), voters, bind.substring(0, colon),
                Integer.parseInt(bind.substring(colon + 1)), dataDir().resolve("__controller"),
                Long.parseLong(get(BrokerConfigDef.BROKER_SESSION_TIMEOUT_MS)),
                Long.parseLong(get(BrokerConfigDef.BROKER_HEARTBEAT_INTERVAL_MS)),
                Long.parseLong(get(BrokerConfigDef.CONTROLLER_REQUEST_TIMEOUT_MS)),
                Long.parseLong(get(BrokerConfigDef.CONTROLLER_SNAPSHOT_ENTRIES)),
                Integer.parseInt(get(BrokerConfigDef.CONTROLLER_LOG_SEGMENT_BYTES)), isController());
    }

    public io.sluice.brokerd.replica.ReplicaManager.ReplicationConfig replicationConfig() {
        return new io.sluice.brokerd.replica.ReplicaManager.ReplicationConfig(
                Long.parseLong(get(BrokerConfigDef.REPLICA_LAG_TIME_MAX_MS)),
                Integer.parseInt(get(BrokerConfigDef.REPLICA_FETCH_WAIT_MAX_MS)),
                Integer.parseInt(get(BrokerConfigDef.REPLICA_FETCH_MAX_BYTES)), interBrokerListenerName());
    }

    /** Interval of the automatic preferred-leader rebalance, ms; -1 when it is off. */
    public long leaderRebalanceIntervalMs() {
        return Boolean.parseBoolean(get(BrokerConfigDef.AUTO_LEADER_REBALANCE))
                ? Long.parseLong(get(BrokerConfigDef.LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS)) * 1000 : -1;
    }

    public String rack() {
        return get(BrokerConfigDef.BROKER_RACK);
    }

    public NetworkConfig networkConfig() {
        return new NetworkConfig(listenerHost(), listenerPort(), Integer.parseInt(get(BrokerConfigDef.SOCKET_REQUEST_MAX_BYTES)),
                Long.parseLong(get(BrokerConfigDef.CONNECTIONS_MAX_IDLE_MS)), Integer.parseInt(get(BrokerConfigDef.MAX_INFLIGHT)),
                Long.parseLong(get(BrokerConfigDef.QUEUED_MAX_REQUEST_BYTES)),
                Long.parseLong(get(BrokerConfigDef.QUEUED_MAX_REQUEST_BYTES_PER_CONNECTION)),
                Integer.parseInt(get(BrokerConfigDef.MAX_CONNECTIONS)), Integer.parseInt(get(BrokerConfigDef.MAX_CONNECTIONS_PER_IP)),
                connectionOverrides());
    }

    /** {@code max.connections.per.ip.overrides} with its host names resolved; a name that does not resolve is refused. */
    private Map<java.net.InetAddress, Integer> connectionOverrides() {
        Map<java.net.InetAddress, Integer> out = new LinkedHashMap<>();
        BrokerConfigDef.parseConnectionOverrides(get(BrokerConfigDef.MAX_CONNECTIONS_PER_IP_OVERRIDES)).forEach((host, count) -> {
            try {
                out.put(java.net.InetAddress.getByName(host), count);
            } catch (java.net.UnknownHostException e) {
                throw new ConfigException("config key 'max.connections.per.ip.overrides': cannot resolve host '" + host + "'");
            }
        });
        return out;
    }

    /** Longest a fetch may wait at the broker ({@code fetch.max.wait.ms}), ms. */
    public int fetchMaxWaitMs() {
        return Integer.parseInt(get(BrokerConfigDef.FETCH_MAX_WAIT_MS));
    }

    /** Topic config key to broker-wide default, for every topic config whose broker key the configuration sets. */
    public Map<String, String> topicDefaults() {
        Map<String, String> out = new TreeMap<>();
        for (TopicConfigDef.Entry e : TopicConfigDef.entries().values()) {
            if (e.brokerKey() != null && explicit.contains(e.brokerKey())) {
                out.put(e.key(), values.get(e.brokerKey()));
            }
        }
        return out;
    }

    /** {@code key=value, ...} of every key, with values of password/secret keys masked, for the start-up log. */
    public String describeMasked() {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(values).forEach((k, v) -> {
            String lower = k.toLowerCase(java.util.Locale.ROOT);
            boolean secret = lower.contains("password") || lower.contains("secret") || BrokerConfigDef.isSensitive(k);
            sb.append(sb.length() == 0 ? "" : ", ").append(k).append('=').append(secret ? "[hidden]" : v);
        });
        return sb.toString();
    }

    /** Every key and its effective value (DescribeConfigs for the broker). */
    public Map<String, String> all() {
        return new TreeMap<>(values);
    }
}
