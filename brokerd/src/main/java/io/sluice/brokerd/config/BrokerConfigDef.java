package io.sluice.brokerd.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Every brokerd.yaml key: name, default, unit and meaning, with its validator. Start-up validation, the embedded
 * default, {@code man/brokerd.yaml.5} (a test checks it lists every key) and DescribeConfigs read this one table.
 * Topic defaults ({@code log.*} and friends) come from {@link TopicConfigDef}'s broker keys.
 */
public final class BrokerConfigDef {

    /** One key. {@code defaultValue} null means "computed" (documented in {@code doc}). */
    public record Key(String name, String defaultValue, String unit, String doc, Predicate<String> valid, String expected) {
    }

    public static final String NODE_ID = "node.id";
    public static final String CLUSTER_ID = "cluster.id";
    public static final String LISTENERS = "listeners";
    public static final String ADVERTISED_LISTENERS = "advertised.listeners";
    public static final String DATA_DIR = "data.dir";
    public static final String AUTO_CREATE_TOPICS = "auto.create.topics.enable";
    public static final String AUTHORIZER_ENABLED = "authorizer.enabled";
    public static final String SUPER_USERS = "super.users";
    public static final String ALLOW_EVERYONE_IF_NO_ACL_FOUND = "allow.everyone.if.no.acl.found";
    public static final String NUM_PARTITIONS = "num.partitions";
    public static final String DEFAULT_REPLICATION_FACTOR = "default.replication.factor";
    public static final String SOCKET_REQUEST_MAX_BYTES = "socket.request.max.bytes";
    public static final String CONNECTIONS_MAX_IDLE_MS = "connections.max.idle.ms";
    public static final String MAX_INFLIGHT = "max.inflight.requests.per.connection";
    public static final String QUEUED_MAX_REQUEST_BYTES = "queued.max.request.bytes";
    public static final String QUEUED_MAX_REQUEST_BYTES_PER_CONNECTION = "queued.max.request.bytes.per.connection";
    public static final String MAX_CONNECTIONS = "max.connections";
    public static final String MAX_CONNECTIONS_PER_IP = "max.connections.per.ip";
    public static final String MAX_CONNECTIONS_PER_IP_OVERRIDES = "max.connections.per.ip.overrides";
    public static final String FETCH_MAX_WAIT_MS = "fetch.max.wait.ms";
    public static final String NUM_IO_THREADS = "num.io.threads";
    public static final String RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String FSYNC = "fsync";
    public static final String SHUTDOWN_TIMEOUT_MS = "shutdown.timeout.ms";
    public static final String METRICS_LISTENER = "metrics.listener";
    public static final String METRICS_PER_PARTITION = "metrics.per.partition";
    public static final String CLEANER_BACKOFF_MS = "log.cleaner.backoff.ms";
    public static final String CLEANER_DEDUPE_BUFFER_SIZE = "log.cleaner.dedupe.buffer.size";
    public static final String SCRUB_INTERVAL_MS = "log.scrub.interval.ms";
    public static final String SCRUB_BYTES_PER_SECOND = "log.scrub.bytes.per.second";
    public static final String OFFSETS_TOPIC_PARTITIONS = "offsets.topic.num.partitions";
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.min.session.timeout.ms";
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.max.session.timeout.ms";
    public static final String GROUP_INITIAL_REBALANCE_DELAY_MS = "group.initial.rebalance.delay.ms";
    public static final String OFFSETS_RETENTION_MINUTES = "offsets.retention.minutes";
    public static final String OFFSETS_RETENTION_CHECK_INTERVAL_MS = "offsets.retention.check.interval.ms";
    public static final String OFFSET_METADATA_MAX_BYTES = "offset.metadata.max.bytes";
    public static final String OFFSETS_COMMIT_TIMEOUT_MS = "offsets.commit.timeout.ms";
    public static final String PROCESS_ROLES = "process.roles";
    public static final String TRANSACTION_STATE_LOG_PARTITIONS = "transaction.state.log.num.partitions";
    public static final String TRANSACTION_STATE_LOG_REPLICATION_FACTOR = "transaction.state.log.replication.factor";
    public static final String TRANSACTION_STATE_LOG_MIN_ISR = "transaction.state.log.min.isr";
    public static final String TRANSACTION_STATE_LOG_SEGMENT_BYTES = "transaction.state.log.segment.bytes";
    public static final String TRANSACTION_MAX_TIMEOUT_MS = "transaction.max.timeout.ms";
    public static final String TRANSACTIONAL_ID_EXPIRATION_MS = "transactional.id.expiration.ms";
    public static final String TRANSACTION_ABORT_CLEANUP_INTERVAL_MS = "transaction.abort.timed.out.transaction.cleanup.interval.ms";
    public static final String TRANSACTION_PARTITION_VERIFICATION_ENABLE = "transaction.partition.verification.enable";
    public static final String CONTROLLER_QUORUM_VOTERS = "controller.quorum.voters";
    public static final String CONTROLLER_LISTENER = "controller.listener";
    public static final String BROKER_RACK = "broker.rack";
    public static final String BROKER_SESSION_TIMEOUT_MS = "broker.session.timeout.ms";
    public static final String BROKER_HEARTBEAT_INTERVAL_MS = "broker.heartbeat.interval.ms";
    public static final String CONTROLLER_REQUEST_TIMEOUT_MS = "controller.request.timeout.ms";
    public static final String CONTROLLER_SNAPSHOT_ENTRIES = "controller.snapshot.entries";
    public static final String CONTROLLER_LOG_SEGMENT_BYTES = "controller.log.segment.bytes";
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    public static final String AUTO_LEADER_REBALANCE = "auto.leader.rebalance.enable";
    public static final String LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS = "leader.imbalance.check.interval.seconds";
    public static final String REPLICA_FETCH_WAIT_MAX_MS = "replica.fetch.wait.max.ms";
    public static final String REPLICA_FETCH_MAX_BYTES = "replica.fetch.max.bytes";
    public static final String LISTENER_SECURITY_PROTOCOL_MAP = "listener.security.protocol.map";
    public static final String INTER_BROKER_LISTENER_NAME = "inter.broker.listener.name";
    public static final String SSL_KEYSTORE_TYPE = "ssl.keystore.type";
    public static final String SSL_KEYSTORE_LOCATION = "ssl.keystore.location";
    public static final String SSL_KEYSTORE_PASSWORD = "ssl.keystore.password";
    public static final String SSL_KEY_PASSWORD = "ssl.key.password";
    public static final String SSL_KEYSTORE_KEY = "ssl.keystore.key";
    public static final String SSL_KEYSTORE_CERTIFICATE_CHAIN = "ssl.keystore.certificate.chain";
    public static final String SSL_TRUSTSTORE_TYPE = "ssl.truststore.type";
    public static final String SSL_TRUSTSTORE_LOCATION = "ssl.truststore.location";
    public static final String SSL_TRUSTSTORE_PASSWORD = "ssl.truststore.password";
    public static final String SSL_TRUSTSTORE_CERTIFICATES = "ssl.truststore.certificates";
    public static final String SSL_CLIENT_AUTH = "ssl.client.auth";
    public static final String SSL_ENABLED_PROTOCOLS = "ssl.enabled.protocols";
    public static final String SSL_CIPHER_SUITES = "ssl.cipher.suites";
    public static final String SSL_ENDPOINT_IDENTIFICATION_ALGORITHM = "ssl.endpoint.identification.algorithm";
    public static final String SSL_PRINCIPAL_MAPPING_RULES = "ssl.principal.mapping.rules";
    public static final String SSL_RELOAD_CHECK_INTERVAL_MS = "ssl.reload.check.interval.ms";
    public static final String METRICS_BASIC_AUTH_FILE = "metrics.basic.auth.file";
    public static final String SASL_ENABLED_MECHANISMS = "sasl.enabled.mechanisms";
    public static final String SASL_SERVER_MAX_RECEIVE_SIZE = "sasl.server.max.receive.size";
    public static final String CONNECTIONS_MAX_REAUTH_MS = "connections.max.reauth.ms";
    public static final String SASL_BOOTSTRAP_USERS_FILE = "sasl.bootstrap.users.file";
    public static final String SASL_MECHANISM_INTER_BROKER_PROTOCOL = "sasl.mechanism.inter.broker.protocol";
    public static final String SASL_INTER_BROKER_CREDENTIALS_FILE = "sasl.inter.broker.credentials.file";
    public static final String CONNECTION_FAILED_AUTHENTICATION_DELAY_MS = "connection.failed.authentication.delay.ms";
    /** Prefix of per-listener overrides of the ssl.* keys: {@code listener.name.<name>.ssl.keystore.location}. */
    public static final String LISTENER_PREFIX = "listener.name.";
    /** Prefix of the metrics endpoint's overrides of the ssl.* keys: {@code metrics.ssl.keystore.location}. */
    public static final String METRICS_PREFIX = "metrics.";
    /** The ssl.* keys that {@link #LISTENER_PREFIX} and {@link #METRICS_PREFIX} may override. */
    private static final java.util.Set<String> PER_LISTENER_SSL_KEYS = new java.util.LinkedHashSet<>();
    /** Keys whose values are secrets: masked in the start-up log, sensitive (no value) in DescribeConfigs. */
    private static final java.util.Set<String> SENSITIVE = java.util.Set.of(SSL_KEYSTORE_PASSWORD, SSL_KEY_PASSWORD,
            SSL_KEYSTORE_KEY, SSL_TRUSTSTORE_PASSWORD);

    private static final Map<String, Key> KEYS = new LinkedHashMap<>();

    static {
        add(NODE_ID, "1", "", "this broker's id; recorded in meta.properties on first start", BrokerConfigDef::nonNegativeInt, "an integer >= 0");
        add(CLUSTER_ID, null, "", "cluster id; empty: generated on first start and kept in meta.properties",
                v -> true, "a string");
        add(LISTENERS, "127.0.0.1:9092", "NAME://host:port,...",
                "the listeners clients connect to, as Kafka writes them (PLAINTEXT://127.0.0.1:9092,SSL://0.0.0.0:9093); "
                        + "a bare host:port is the listener PLAINTEXT; port 0 picks a free port",
                v -> !v.isBlank() && Listeners.validEndpoints(v), "[NAME://]host:port[,...] with ports 0-65535");
        add(ADVERTISED_LISTENERS, null, "NAME://host:port,...",
                "addresses clients are told to connect to, per listener name (Metadata answers those of the listener the "
                        + "request came in on); a listener not named here advertises its bind address, which then must "
                        + "not be 0.0.0.0", Listeners::validEndpoints, "[NAME://]host:port[,...]");
        add(LISTENER_SECURITY_PROTOCOL_MAP, Listeners.DEFAULT_PROTOCOL_MAP, "NAME:PROTOCOL,...",
                "security protocol of each listener name (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL); custom listener "
                        + "names must be mapped here", Listeners::validProtocolMap, "NAME:PROTOCOL[,...]");
        add(INTER_BROKER_LISTENER_NAME, "", "", "the listener brokers use to reach each other (replication, every "
                        + "broker-to-broker client); its TLS settings are the client's; empty: the listener named PLAINTEXT, "
                        + "or the only listener", Listeners::validName, "a listener name");
        addSsl(SSL_KEYSTORE_TYPE, "PKCS12", "", "format of the keystore: PKCS12, JKS or PEM (KIP-651)",
                v -> v.matches("(?i)PKCS12|JKS|PEM"), "PKCS12, JKS or PEM");
        addSsl(SSL_KEYSTORE_LOCATION, "", "path", "keystore file with this broker's private key and certificate chain "
                + "(for PEM: the PKCS#8 key and the chain in one file); reloaded when it changes", v -> true, "a path");
        addSsl(SSL_KEYSTORE_PASSWORD, "", "", "password of the keystore file (PKCS12, JKS)", v -> true, "a string");
        addSsl(SSL_KEY_PASSWORD, "", "", "password of the private key (PKCS12, JKS: default the keystore password; "
                + "PEM: of an encrypted PKCS#8 key)", v -> true, "a string");
        addSsl(SSL_KEYSTORE_KEY, "", "", "PEM only: the PKCS#8 private key inline, instead of ssl.keystore.location",
                v -> true, "a PEM private key");
        addSsl(SSL_KEYSTORE_CERTIFICATE_CHAIN, "", "", "PEM only: the certificate chain inline, with ssl.keystore.key",
                v -> true, "PEM certificates");
        addSsl(SSL_TRUSTSTORE_TYPE, "PKCS12", "", "format of the truststore: PKCS12, JKS or PEM",
                v -> v.matches("(?i)PKCS12|JKS|PEM"), "PKCS12, JKS or PEM");
        addSsl(SSL_TRUSTSTORE_LOCATION, "", "path", "truststore file: the CAs whose certificates this broker accepts "
                + "from clients and from other brokers; empty: the JDK's default CAs; reloaded when it changes",
                v -> true, "a path");
        addSsl(SSL_TRUSTSTORE_PASSWORD, "", "", "password of the truststore file (PKCS12, JKS)", v -> true, "a string");
        addSsl(SSL_TRUSTSTORE_CERTIFICATES, "", "", "PEM only: trusted certificates inline, instead of "
                + "ssl.truststore.location", v -> true, "PEM certificates");
        addSsl(SSL_CLIENT_AUTH, "none", "", "TLS client authentication: none, requested (a client certificate is "
                + "checked if sent) or required (mutual TLS); the principal is the certificate subject mapped by "
                + "ssl.principal.mapping.rules", v -> v.matches("(?i)none|requested|required"), "none, requested or required");
        addSsl(SSL_ENABLED_PROTOCOLS, "TLSv1.3,TLSv1.2", "", "TLS versions enabled; TLSv1.1 and older are refused",
                BrokerConfigDef::tlsProtocols, "TLSv1.3 and/or TLSv1.2 (older versions are refused)");
        addSsl(SSL_CIPHER_SUITES, "", "", "enabled cipher suites (JDK names); empty: the JDK's defaults for the "
                + "enabled protocols", v -> true, "a comma-separated list of cipher suites");
        addSsl(SSL_ENDPOINT_IDENTIFICATION_ALGORITHM, "https", "", "https: a broker connecting to another (inter-broker "
                + "listener, controller quorum) checks that the peer's certificate names the host it connects to; "
                + "empty: no hostname verification", v -> v.isEmpty() || v.equalsIgnoreCase("https"), "https or empty");
        addSsl(SSL_PRINCIPAL_MAPPING_RULES, "DEFAULT", "", "how a client certificate's subject becomes the user name: "
                + "RULE:pattern/replacement/[LU] rules and DEFAULT (the whole subject), comma-separated, first match wins; "
                + "a certificate no rule maps is refused", BrokerConfigDef::mappingRules,
                "DEFAULT and RULE:pattern/replacement/[LU], comma-separated");
        add(SSL_RELOAD_CHECK_INTERVAL_MS, "10000", "ms", "how often keystore and truststore files are checked for "
                + "changes; changed files are read again and new connections get the new certificate (Kafka needs an "
                + "AlterConfigs for that)", BrokerConfigDef::positiveLong, "an integer >= 1");
        add(DATA_DIR, "~/.local/share/sluice", "path", "directory holding the partition logs and checkpoints; a leading ~ is $HOME (else the JVM's user.home)",
                v -> !v.isBlank(), "a path");
        add(AUTHORIZER_ENABLED, "false", "", "check every request against the ACLs in the controller metadata (Kafka's "
                + "StandardAuthorizer); false: every connection may do everything and the ACL APIs answer SECURITY_DISABLED",
                BrokerConfigDef::bool, "true or false");
        add(SUPER_USERS, "", "", "principals allowed everything whatever the ACLs, semicolon-separated: "
                + "User:admin;User:broker (the brokers' own principals belong here: replication needs CLUSTER_ACTION)",
                BrokerConfigDef::superUsers, "Type:name[;Type:name...]");
        add(ALLOW_EVERYONE_IF_NO_ACL_FOUND, "false", "", "with the authorizer: a resource no ACL names at all is open to "
                + "everyone (true) or only to super users (false)", BrokerConfigDef::bool, "true or false");
        add(AUTO_CREATE_TOPICS, "true", "", "create a topic when a client asks for its metadata", BrokerConfigDef::bool, "true or false");
        add(NUM_PARTITIONS, "1", "", "partitions of auto-created topics and of CreateTopics without a count",
                BrokerConfigDef::positiveInt, "an integer >= 1");
        add(DEFAULT_REPLICATION_FACTOR, "1", "", "replication factor of topics created without one (at most the live brokers)",
                BrokerConfigDef::positiveInt, "an integer >= 1");
        add(SOCKET_REQUEST_MAX_BYTES, "104857600", "bytes", "largest request frame accepted; larger ones close the connection",
                BrokerConfigDef::positiveInt, "an integer >= 1");
        add(CONNECTIONS_MAX_IDLE_MS, "600000", "ms", "a connection with no traffic this long is closed", BrokerConfigDef::positiveLong, "an integer >= 1");
        add(MAX_INFLIGHT, "100", "", "requests read ahead of their responses on one connection before reading pauses",
                BrokerConfigDef::positiveInt, "an integer >= 1");
        add(QUEUED_MAX_REQUEST_BYTES, "134217728", "bytes", "heap bytes of requests read but not yet answered, over all "
                + "connections (a request counts whole from its size field on); when reached, brokerd stops reading sockets "
                + "until answers free some, and one request may take it above; -1: unbounded (Kafka's default). At least "
                + "socket.request.max.bytes",
                v -> isLong(v) && (Long.parseLong(v) == -1 || Long.parseLong(v) >= 1), "-1 or an integer >= 1");
        add(QUEUED_MAX_REQUEST_BYTES_PER_CONNECTION, "16777216", "bytes", "the same for one connection: it stops reading "
                + "while its requests not yet answered hold this many bytes (a request larger than this is still read, "
                + "alone); -1: unbounded", v -> isLong(v) && (Long.parseLong(v) == -1 || Long.parseLong(v) >= 1),
                "-1 or an integer >= 1");
        add(MAX_CONNECTIONS, "2048", "", "open client connections; more are closed as they are accepted",
                BrokerConfigDef::positiveInt, "an integer >= 1");
        add(MAX_CONNECTIONS_PER_IP, "1024", "", "open client connections from one address; more are closed as they are accepted",
                BrokerConfigDef::positiveInt, "an integer >= 1");
        add(MAX_CONNECTIONS_PER_IP_OVERRIDES, "", "host:count,...", "per-address exceptions to max.connections.per.ip, "
                + "e.g. 10.0.0.5:4000,gateway.example:2000 (host names are resolved at start-up)",
                BrokerConfigDef::connectionOverrides, "empty or a comma-separated list of host:count with count >= 0");
        add(NUM_IO_THREADS, "4", "", "threads that run appends, reads and metadata changes", BrokerConfigDef::positiveInt, "an integer >= 1");
        add(RETENTION_CHECK_INTERVAL_MS, "300000", "ms",
                "how often retention, time-based roll and flush.ms are checked (at most every 5 s for roll and flush)",
                BrokerConfigDef::positiveLong, "an integer >= 1");
        add(FSYNC, "never", "",
                "always: fsync every append before acknowledging it (no acknowledged record is lost even if the machine "
                        + "crashes); never: leave write-back to the OS and log.flush.interval.* (a process crash loses nothing "
                        + "acknowledged, a power loss may lose what was not yet written back)",
                v -> v.equals("always") || v.equals("never"), "always or never");
        add(SHUTDOWN_TIMEOUT_MS, "10000", "ms", "longest a SIGTERM shutdown waits for in-flight requests", BrokerConfigDef::positiveLong,
                "an integer >= 1");
        add(METRICS_LISTENER, "127.0.0.1:9644", "[https://]host:port",
                "address of the HTTP listener serving /metrics, /health, /ready and /loglevel; empty turns it off; port 0 "
                        + "picks one; https:// serves TLS with the ssl.* keys, each overridable as metrics.ssl.*",
                v -> v.isEmpty() || hostPort(v.startsWith("https://") ? v.substring(8) : v.startsWith("http://") ? v.substring(7) : v),
                "[https://]host:port or empty");
        add(METRICS_BASIC_AUTH_FILE, "", "path", "file of USER:PASSWORD lines, readable by its owner only: every request "
                + "to the metrics listener needs HTTP basic auth with one of them; empty: no authentication", v -> true, "a path");
        addSsl(SASL_ENABLED_MECHANISMS, "SCRAM-SHA-256,SCRAM-SHA-512", "", "SASL mechanisms SASL_PLAINTEXT and SASL_SSL "
                + "listeners offer, from PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (overridable per listener as "
                + "listener.name.<listener>.sasl.enabled.mechanisms); every one is verified against the SCRAM credentials "
                + "in the controller metadata (AlterUserScramCredentials); PLAIN sends the password itself: offer it on "
                + "SASL_SSL only", BrokerConfigDef::saslMechanisms, "a comma-separated list of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512");
        add(SASL_SERVER_MAX_RECEIVE_SIZE, "524288", "bytes", "largest request a SASL connection may send before it "
                + "authenticated; a larger one closes the connection", BrokerConfigDef::positiveInt, "an integer >= 1");
        add(SASL_BOOTSTRAP_USERS_FILE, "", "path", "file of NAME:PASSWORD lines, readable by its owner only (chmod 600; "
                + "refused otherwise): while the cluster has no SCRAM user yet, every line becomes a user with a SCRAM "
                + "credential for each enabled SCRAM mechanism; once any user exists the file is ignored (manage users "
                + "with kafka-configs.sh or the Admin API); empty: no bootstrap users", v -> true, "a path");
        add(SASL_MECHANISM_INTER_BROKER_PROTOCOL, "SCRAM-SHA-512", "", "the SASL mechanism a broker authenticates with "
                + "towards the others when the inter-broker listener is SASL_PLAINTEXT or SASL_SSL; that listener must "
                + "enable it", v -> io.sluice.brokerd.security.SaslListenerConfig.SUPPORTED.contains(v),
                "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
        add(SASL_INTER_BROKER_CREDENTIALS_FILE, "", "path", "when the inter-broker listener is SASL_*: a file with one "
                + "NAME:PASSWORD line, readable by its owner only, the user this broker authenticates as towards the "
                + "others (brokerd's stand-in for Kafka's Java-only listener.name.<l>.<mechanism>.sasl.jaas.config: the "
                + "password stays out of the YAML and of argv); that user needs a SCRAM credential, e.g. from "
                + "sasl.bootstrap.users.file", v -> true, "a path");
        add(CONNECTIONS_MAX_REAUTH_MS, "0", "ms", "SASL session lifetime (KIP-368): clients re-authenticate on the same "
                + "connection before it ends, and a connection that goes past it without re-authenticating is closed at "
                + "its next request; 0: sessions never end", BrokerConfigDef::nonNegativeLong, "an integer >= 0");
        add(CONNECTION_FAILED_AUTHENTICATION_DELAY_MS, "100", "ms", "a failed SASL authentication is answered (and its "
                + "connection closed) this much later, slowing password guessing", BrokerConfigDef::nonNegativeLong,
                "an integer >= 0");
        add(METRICS_PER_PARTITION, "false", "", "also export log size and segment count per partition (one series per partition)",
                BrokerConfigDef::bool, "true or false");
        add(CLEANER_BACKOFF_MS, "15000", "ms", "pause between compaction passes over the compacted topics",
                BrokerConfigDef::positiveLong, "an integer >= 1");
        add(CLEANER_DEDUPE_BUFFER_SIZE, "134217728", "bytes", "most memory the cleaner's key map takes (24 bytes a "
                + "key, sized to the keys of the log being cleaned, at most 2 GiB used); a log with more keys than fit is "
                + "compacted in several passes", v -> longAtLeast(v, 1024), "an integer >= 1024");
        add(SCRUB_INTERVAL_MS, "86400000", "ms", "pause between passes of the scrubber, which reads every closed segment and "
                + "checks each batch's CRC, framing, offsets and leader epoch: a damaged batch is cut off a follower's copy "
                + "(fetched again from the leader) and makes a leader hand its leadership to an in-sync replica first; 0 turns "
                + "it off", BrokerConfigDef::nonNegativeLong, "an integer >= 0");
        add(SCRUB_BYTES_PER_SECOND, "16777216", "bytes", "most bytes per second the scrubber reads (it runs on its own thread)",
                BrokerConfigDef::positiveLong, "an integer >= 1");
        add(OFFSETS_TOPIC_PARTITIONS, "50", "", "partitions of __consumer_offsets when it is first created (later changes are ignored)",
                BrokerConfigDef::positiveInt, "an integer >= 1");
        add(GROUP_MIN_SESSION_TIMEOUT_MS, "6000", "ms", "shortest session timeout a group member may ask for",
                BrokerConfigDef::positiveInt, "an integer >= 1");
        add(GROUP_MAX_SESSION_TIMEOUT_MS, "1800000", "ms", "longest session timeout a group member may ask for",
                BrokerConfigDef::positiveInt, "an integer >= 1");
        add(GROUP_INITIAL_REBALANCE_DELAY_MS, "3000", "ms", "how long the first rebalance of an empty group waits for more members",
                BrokerConfigDef::nonNegativeInt, "an integer >= 0");
        add(OFFSETS_RETENTION_MINUTES, "10080", "min", "committed offsets of a group that has been empty this long are removed",
                BrokerConfigDef::positiveInt, "an integer >= 1");
        add(OFFSETS_RETENTION_CHECK_INTERVAL_MS, "600000", "ms", "how often the offsets of groups empty for "
                + "offsets.retention.minutes are removed (tombstones appended to __consumer_offsets, on the log maintenance "
                + "thread)", BrokerConfigDef::positiveLong, "an integer >= 1");
        add(OFFSET_METADATA_MAX_BYTES, "4096", "bytes", "longest metadata string a commit may carry",
                BrokerConfigDef::positiveInt, "an integer >= 1");
        add(OFFSETS_COMMIT_TIMEOUT_MS, "10000", "ms", "longest an offset commit (or offset deletion) waits for every in-sync "
                + "replica of __consumer_offsets; then it is answered COORDINATOR_NOT_AVAILABLE (the records stay in the log)",
                BrokerConfigDef::positiveLong, "an integer >= 1");
        add(PROCESS_ROLES, "broker,controller", "", "what this process is, as KRaft's process.roles: broker,controller "
                + "(both: serves clients and votes in the controller quorum), controller (a dedicated controller voter: no "
                + "client listener, never holds a partition; listeners must not be set) or broker (serves clients and follows "
                + "the committed metadata from the quorum leader without voting; node.id must not be among "
                + "controller.quorum.voters, which must be set)", BrokerConfigDef::roles,
                "broker, controller or broker,controller");
        add(TRANSACTION_STATE_LOG_PARTITIONS, "50", "", "partitions of __transaction_state when it is first created (later "
                + "changes are ignored: transactional ids must keep mapping to the same partition)", BrokerConfigDef::positiveInt,
                "an integer >= 1");
        add(TRANSACTION_STATE_LOG_REPLICATION_FACTOR, "3", "", "replication factor of __transaction_state when it is first "
                + "created (at most the live brokers then)", v -> positiveInt(v) && Integer.parseInt(v) <= Short.MAX_VALUE,
                "an integer from 1 to 32767");
        add(TRANSACTION_STATE_LOG_MIN_ISR, "2", "", "min.insync.replicas of __transaction_state (at most its replication "
                + "factor): a coordinator's state write needs that many in-sync replicas", BrokerConfigDef::positiveInt,
                "an integer >= 1");
        add(TRANSACTION_STATE_LOG_SEGMENT_BYTES, "104857600", "bytes", "segment.bytes of __transaction_state (small segments "
                + "are compacted, and loaded, sooner)", v -> positiveInt(v) && Integer.parseInt(v) >= 1024, "an integer >= 1024");
        add(TRANSACTION_MAX_TIMEOUT_MS, "900000", "ms", "longest transaction.timeout.ms a producer may ask for; a longer one "
                + "is answered INVALID_TRANSACTION_TIMEOUT", BrokerConfigDef::positiveInt, "an integer >= 1");
        add(TRANSACTIONAL_ID_EXPIRATION_MS, "604800000", "ms", "a transactional id without a transaction for this long is "
                + "forgotten (a tombstone in __transaction_state); its next producer starts with a new producer id",
                BrokerConfigDef::positiveInt, "an integer >= 1");
        add(TRANSACTION_ABORT_CLEANUP_INTERVAL_MS, "10000", "ms", "how often the transaction coordinator aborts transactions "
                + "open longer than their transaction.timeout.ms (fencing their producers) and forgets expired transactional ids",
                BrokerConfigDef::positiveInt, "an integer >= 1");
        add(TRANSACTION_PARTITION_VERIFICATION_ENABLE, "true", "", "KIP-890: before a producer's first transactional append "
                + "to a partition, its leader asks the transaction coordinator whether the transaction includes the partition, "
                + "so a late write of an ended transaction cannot leave a hanging one", BrokerConfigDef::bool, "true or false");
        add(CONTROLLER_QUORUM_VOTERS, "", "id@host:port,...",
                "the controller quorum: every voter's node id and Raft address, the same list on every node (voters and "
                        + "broker-only processes); empty: a single node that is its own one-voter quorum", BrokerConfigDef::voters,
                "empty or a comma-separated list of id@host:port");
        add(CONTROLLER_LISTENER, "", "host:port",
                "address the controller's Raft server binds; empty: this node's entry in controller.quorum.voters, "
                        + "or 127.0.0.1 with a free port on a single node", v -> v.isEmpty() || hostPort(v), "host:port or empty");
        add(BROKER_RACK, "", "", "rack (or zone) of this broker; replicas of a partition are spread across racks", v -> true, "a string");
        add(BROKER_SESSION_TIMEOUT_MS, "9000", "ms", "a broker the controller has not heard from this long is fenced: its "
                + "leaderships move to other in-sync replicas", BrokerConfigDef::positiveLong, "an integer >= 1");
        add(BROKER_HEARTBEAT_INTERVAL_MS, "1000", "ms", "how often a broker heartbeats the controller (well below "
                + "broker.session.timeout.ms)", BrokerConfigDef::positiveLong, "an integer >= 1");
        add(CONTROLLER_REQUEST_TIMEOUT_MS, "30000", "ms", "longest a metadata change (topic create, ISR change...) waits for "
                + "the controller quorum to commit it", BrokerConfigDef::positiveLong, "an integer >= 1");
        add(CONTROLLER_SNAPSHOT_ENTRIES, "10000", "", "committed metadata changes between controller snapshots; after each "
                + "one the controller log keeps only the newest this many entries (whole segments): a broker away for fewer "
                + "changes catches up from the log, one away longer gets the snapshot", BrokerConfigDef::positiveLong,
                "an integer >= 1");
        add(CONTROLLER_LOG_SEGMENT_BYTES, "1048576", "bytes", "size at which the controller's Raft log rolls to a new segment "
                + "file; only whole segments are purged", BrokerConfigDef::positiveInt, "an integer >= 1");
        add(REPLICA_LAG_TIME_MAX_MS, "30000", "ms", "a follower that has not caught up with its leader for this long leaves "
                + "the ISR; it rejoins once it has caught up", BrokerConfigDef::positiveLong, "an integer >= 1");
        add(AUTO_LEADER_REBALANCE, "true", "", "move leadership back to each partition's preferred (first) replica when it is "
                + "live and in sync, checked every leader.imbalance.check.interval.seconds", BrokerConfigDef::bool, "true or false");
        add(LEADER_IMBALANCE_CHECK_INTERVAL_SECONDS, "300", "s", "how often the controller looks for partitions not led by "
                + "their preferred replica", BrokerConfigDef::positiveLong, "an integer >= 1");
        add(REPLICA_FETCH_WAIT_MAX_MS, "500", "ms", "longest a follower's fetch waits at the leader for new records "
                + "(below replica.lag.time.max.ms)", BrokerConfigDef::positiveInt, "an integer >= 1");
        add(FETCH_MAX_WAIT_MS, "30000", "ms", "longest a fetch waits at the broker for min.bytes (consumers ask with "
                + "fetch.max.wait.ms, followers with replica.fetch.wait.max.ms); longer waits asked for are cut to this, as "
                + "Kafka's broker fetch.max.bytes cuts the bytes asked for", BrokerConfigDef::positiveInt, "an integer >= 1");
        add(REPLICA_FETCH_MAX_BYTES, "1048576", "bytes", "bytes a follower asks for per partition and fetch (at least one "
                + "batch is always sent)", BrokerConfigDef::positiveInt, "an integer >= 1");
        for (TopicConfigDef.Entry e : TopicConfigDef.entries().values()) {
            if (e.brokerKey() != null && !KEYS.containsKey(e.brokerKey())) {
                add(e.brokerKey(), e.defaultValue(), "", "default " + e.key() + " of topics: " + e.doc(),
                        v -> TopicConfigDef.validate(e.key(), v) == null, "a valid " + e.key());
            }
        }
    }

    private BrokerConfigDef() {
    }

    static boolean superUsers(String v) {
        for (String p : v.split(";")) {
            String t = p.trim();
            if (!t.isEmpty() && (t.indexOf(':') <= 0 || t.indexOf(':') == t.length() - 1)) {
                return false;
            }
        }
        return true;
    }

    private static void add(String name, String def, String unit, String doc, Predicate<String> valid, String expected) {
        KEYS.put(name, new Key(name, def, unit, doc, valid, expected));
    }

    private static void addSsl(String name, String def, String unit, String doc, Predicate<String> valid, String expected) {
        add(name, def, unit, doc, valid, expected);
        PER_LISTENER_SSL_KEYS.add(name);
    }

    /**
     * The key a prefixed override stands for: {@code listener.name.<listener>.ssl.X} and {@code metrics.ssl.X} override
     * {@code ssl.X}; null when {@code name} is no such override.
     */
    public static Key overriddenKey(String name) {
        String base = null;
        if (name.startsWith(LISTENER_PREFIX)) {
            int dot = name.indexOf('.', LISTENER_PREFIX.length());
            base = dot > LISTENER_PREFIX.length() ? name.substring(dot + 1) : null;
        } else if (name.startsWith(METRICS_PREFIX + "ssl.")) {
            base = name.substring(METRICS_PREFIX.length());
        }
        return base != null && PER_LISTENER_SSL_KEYS.contains(base) ? KEYS.get(base) : null;
    }

    /** The ssl.* keys that may be overridden per listener and for the metrics endpoint. */
    public static java.util.Set<String> perListenerSslKeys() {
        return Collections.unmodifiableSet(PER_LISTENER_SSL_KEYS);
    }

    /** True for keys holding secrets (passwords, inline private keys), prefixed overrides included. */
    public static boolean isSensitive(String name) {
        Key k = KEYS.containsKey(name) ? KEYS.get(name) : overriddenKey(name);
        return k != null && SENSITIVE.contains(k.name());
    }

    private static boolean saslMechanisms(String v) {
        java.util.List<String> ms = java.util.Arrays.stream(v.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList();
        return !ms.isEmpty() && io.sluice.brokerd.security.SaslListenerConfig.SUPPORTED.containsAll(ms);
    }

    private static boolean tlsProtocols(String v) {
        java.util.List<String> ps = java.util.Arrays.stream(v.split(",")).map(String::trim).filter(p -> !p.isEmpty()).toList();
        return !ps.isEmpty() && io.sluice.brokerd.security.SslConfig.ALLOWED_PROTOCOLS.containsAll(ps);
    }

    private static boolean mappingRules(String v) {
        try {
            io.sluice.brokerd.security.SslPrincipalMapper.parse(v);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static Map<String, Key> keys() {
        return Collections.unmodifiableMap(KEYS);
    }

    static boolean hostPort(String v) {
        int i = v.lastIndexOf(':');
        if (i <= 0) {
            return false;
        }
        try {
            int port = Integer.parseInt(v.substring(i + 1));
            return port >= 0 && port <= 65535;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Parses {@code id@host:port,...}; throws IllegalArgumentException when malformed. */
    public static java.util.Map<Integer, String> parseVoters(String v) {
        java.util.Map<Integer, String> out = new java.util.TreeMap<>();
        if (v.isBlank()) {
            return out;
        }
        for (String part : v.split(",")) {
            String p = part.trim();
            int at = p.indexOf('@');
            if (at <= 0 || !hostPort(p.substring(at + 1)) || !nonNegativeInt(p.substring(0, at))) {
                throw new IllegalArgumentException("'" + p + "' is not id@host:port");
            }
            if (out.put(Integer.parseInt(p.substring(0, at)), p.substring(at + 1)) != null) {
                throw new IllegalArgumentException("node id " + p.substring(0, at) + " appears twice");
            }
        }
        return out;
    }

    /** Parses {@code host:count,...} ({@code max.connections.per.ip.overrides}); throws IllegalArgumentException when malformed. */
    public static Map<String, Integer> parseConnectionOverrides(String v) {
        Map<String, Integer> out = new LinkedHashMap<>();
        if (v.isBlank()) {
            return out;
        }
        for (String part : v.split(",")) {
            String p = part.trim();
            int colon = p.lastIndexOf(':');
            if (colon <= 0 || !nonNegativeInt(p.substring(colon + 1))) {
                throw new IllegalArgumentException("'" + p + "' is not host:count");
            }
            out.put(p.substring(0, colon), Integer.parseInt(p.substring(colon + 1)));
        }
        return out;
    }

    private static boolean connectionOverrides(String v) {
        try {
            parseConnectionOverrides(v);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean isLong(String v) {
        try {
            Long.parseLong(v);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Parses {@code process.roles}; throws IllegalArgumentException naming the bad role. */
    public static java.util.Set<String> parseRoles(String v) {
        java.util.Set<String> roles = new java.util.TreeSet<>();
        for (String part : v.split(",")) {
            String role = part.trim();
            if (!role.equals("broker") && !role.equals("controller")) {
                throw new IllegalArgumentException("'" + role + "' is not a role");
            }
            if (!roles.add(role)) {
                throw new IllegalArgumentException("role " + role + " appears twice");
            }
        }
        return roles;
    }

    private static boolean roles(String v) {
        try {
            parseRoles(v);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean voters(String v) {
        try {
            parseVoters(v);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean bool(String v) {
        return v.equals("true") || v.equals("false");
    }

    private static boolean nonNegativeInt(String v) {
        try {
            return Integer.parseInt(v) >= 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean positiveInt(String v) {
        try {
            return Integer.parseInt(v) >= 1;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean nonNegativeLong(String v) {
        return longAtLeast(v, 0);
    }

    private static boolean positiveLong(String v) {
        return longAtLeast(v, 1);
    }

    private static boolean longAtLeast(String v, long min) {
        try {
            return Long.parseLong(v) >= min;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
