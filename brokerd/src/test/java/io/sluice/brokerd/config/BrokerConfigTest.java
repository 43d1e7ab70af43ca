package io.sluice.brokerd.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(10)
class BrokerConfigTest {
    @TempDir
    Path tmp;
    /** Maven runs tests from the module directory. */
    private static final Path REPO = Path.of("..");

    @Test
    void embeddedDefaultIsTheSingleNodeDefault() {
        BrokerConfig c = BrokerConfig.load(null, Map.of());
        assertThat(c.listenerHost()).isEqualTo("127.0.0.1");
        assertThat(c.listenerPort()).isEqualTo(9092);
        assertThat(c.dataDir()).isEqualTo(Path.of(home(), ".local/share/sluice"));
        assertThat(c.nodeId()).isEqualTo(1);
        assertThat(c.fsyncAlways()).isFalse();
        assertThat(c.topicDefaults()).isEmpty();
    }

    @Test
    void fileThenOverrides() throws Exception {
        Path f = tmp.resolve("b.yaml");
        Files.writeString(f, "node.id: 7\nlisteners: 127.0.0.1:19092\nlog.retention.ms: 1000\nfsync: always\n");
        BrokerConfig c = BrokerConfig.load(f, Map.of("listeners", "127.0.0.1:0", "data.dir", "~/x"));
        assertThat(c.nodeId()).isEqualTo(7);
        assertThat(c.listenerPort()).isZero();
        assertThat(c.fsyncAlways()).isTrue();
        assertThat(c.dataDir()).isEqualTo(Path.of(home(), "x"));
        assertThat(c.topicDefaults()).containsEntry("retention.ms", "1000").hasSize(1);
    }

    /** Where ~ points in this JVM: $HOME when set, else user.home. */
    private static String home() {
        String env = System.getenv("HOME");
        return env == null || env.isBlank() ? System.getProperty("user.home") : env;
    }

    @Test
    void tildeIsHomeFromTheEnvironmentBeforeUserHome() {
        Path fakeHome = tmp.resolve("home");
        java.util.function.UnaryOperator<String> env = k -> k.equals("HOME") ? fakeHome.toString() : null;
        assertThat(BrokerConfig.expandHome("~/.local/share/sluice", env)).isEqualTo(fakeHome + "/.local/share/sluice");
        assertThat(BrokerConfig.expandHome("~", env)).isEqualTo(fakeHome.toString());
        assertThat(BrokerConfig.expandHome("~other/x", env)).as("~user is not ours to resolve").isEqualTo("~other/x");
        assertThat(BrokerConfig.expandHome("/srv/~/x", env)).isEqualTo("/srv/~/x");
        assertThat(BrokerConfig.expandHome("~/x", k -> null)).as("no $HOME: the JVM's user.home")
                .isEqualTo(System.getProperty("user.home") + "/x");
        assertThat(BrokerConfig.expandHome("~/x", k -> "")).isEqualTo(System.getProperty("user.home") + "/x");
    }

    @Test
    void unknownKeysAndBadValuesAreNamed() throws Exception {
        Path f = tmp.resolve("bad.yaml");
        Files.writeString(f, "listners: 127.0.0.1:9092\n");
        assertThatThrownBy(() -> BrokerConfig.load(f, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown config key 'listners'").hasMessageContaining(f.toString());
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("num.partitions", "zero")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'num.partitions'").hasMessageContaining("zero");
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("log.retention.ms", "-7")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'log.retention.ms'");
        Path nested = tmp.resolve("nested.yaml");
        Files.writeString(nested, "listeners:\n  - a\n");
        assertThatThrownBy(() -> BrokerConfig.load(nested, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'listeners'");
        Path broken = tmp.resolve("broken.yaml");
        Files.writeString(broken, "node.id: 1\n  : :\n\t x");
        assertThatThrownBy(() -> BrokerConfig.load(broken, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("not valid YAML").hasMessageContaining("line");
        assertThatThrownBy(() -> BrokerConfig.load(tmp.resolve("missing.yaml"), Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void aWildcardListenerNeedsAnAdvertisedHost() {
        BrokerConfig c = BrokerConfig.load(null, Map.of("listeners", "0.0.0.0:9092"));
        assertThatThrownBy(c::advertisedHost).isInstanceOf(ConfigException.class).hasMessageContaining("advertised.listeners");
        assertThat(BrokerConfig.load(null, Map.of("listeners", "0.0.0.0:9092", "advertised.listeners", "host1:9092"))
                .advertisedHost()).isEqualTo("host1");
    }

    @Test
    void metaPropertiesKeepsTheClusterIdAndRefusesAnotherNode() {
        BrokerConfig c = BrokerConfig.load(null, Map.of("data.dir", tmp.toString()));
        MetaProperties first = MetaProperties.loadOrCreate(c);
        assertThat(first.clusterId()).hasSize(22);
        assertThat(MetaProperties.loadOrCreate(c)).isEqualTo(first);
        BrokerConfig other = BrokerConfig.load(null, Map.of("data.dir", tmp.toString(), "node.id", "2"));
        assertThatThrownBy(() -> MetaProperties.loadOrCreate(other)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("node.id");
        BrokerConfig otherCluster = BrokerConfig.load(null, Map.of("data.dir", tmp.toString(), "cluster.id", "someone-else"));
        assertThatThrownBy(() -> MetaProperties.loadOrCreate(otherCluster)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("cluster.id");
    }

    @Test
    void transactionKeysDefaultAsKafkaAndRefuseBadValuesByName() {
        io.sluice.brokerd.txn.TransactionConfig d = BrokerConfig.load(null, Map.of("data.dir", tmp.toString())).transactionConfig();
        assertThat(d).isEqualTo(io.sluice.brokerd.txn.TransactionConfig.defaults());
        assertThat(d.stateLogPartitions()).isEqualTo(50);
        assertThat(d.maxTimeoutMs()).isEqualTo(900_000);
        assertThat(d.idExpirationMs()).isEqualTo(604_800_000);
        assertThat(d.partitionVerification()).isTrue();
        io.sluice.brokerd.txn.TransactionConfig set = BrokerConfig.load(null, Map.of("data.dir", tmp.toString(),
                "transaction.state.log.num.partitions", "3", "transaction.max.timeout.ms", "60000",
                "transaction.partition.verification.enable", "false")).transactionConfig();
        assertThat(set.stateLogPartitions()).isEqualTo(3);
        assertThat(set.maxTimeoutMs()).isEqualTo(60_000);
        assertThat(set.partitionVerification()).isFalse();
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("data.dir", tmp.toString(), "transaction.max.timeout.ms", "0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'transaction.max.timeout.ms'");
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("data.dir", tmp.toString(),
                "transaction.state.log.replication.factor", "40000")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'transaction.state.log.replication.factor'");
    }

    @Test
    void shippedYamlAndManPageCoverEveryKey() throws Exception {
        String yaml = Files.readString(REPO.resolve("config/brokerd.yaml"), StandardCharsets.UTF_8);
        String man = Files.readString(REPO.resolve("man/brokerd.yaml.5"), StandardCharsets.UTF_8);
        for (String key : BrokerConfigDef.keys().keySet()) {
            assertThat(yaml).as("config/brokerd.yaml mentions %s", key).containsPattern("(?m)^#? ?" + java.util.regex.Pattern.quote(key) + ":");
            assertThat(man).as("brokerd.yaml(5) documents %s", key).contains(".B " + key + "\n");
            BrokerConfigDef.Key k = BrokerConfigDef.keys().get(key);
            String def = k.defaultValue() == null ? "(computed)" : k.defaultValue().isEmpty() ? "\"\" (empty)" : k.defaultValue();
            assertThat(man).as("brokerd.yaml(5) gives the default of %s", key)
                    .containsPattern("(?m)^\\.B " + java.util.regex.Pattern.quote(key) + "\n.*Default: "
                            + java.util.regex.Pattern.quote(def.replace("-", "\\-")) + "\\.$");
        }
        // The shipped file loads cleanly as a config file of its own.
        assertThat(BrokerConfig.load(REPO.resolve("config/brokerd.yaml"), Map.of()).listenerPort()).isEqualTo(9092);
    }

    @Test
    void processRolesAreCheckedAgainstTheQuorum() {
        String voters = "1@127.0.0.1:9192,2@127.0.0.1:9193,3@127.0.0.1:9194";
        assertThat(BrokerConfig.load(null, Map.of()).isBroker()).isTrue();
        assertThat(BrokerConfig.load(null, Map.of()).isController()).isTrue();
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("process.roles", "broker,voter")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'process.roles'");
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("process.roles", "broker,broker")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'process.roles'");
        // A broker-only process is never a voter, and needs a quorum to follow.
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("process.roles", "broker", "node.id", "2",
                "controller.quorum.voters", voters))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'process.roles' is broker").hasMessageContaining("node.id 2");
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("process.roles", "broker")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'controller.quorum.voters' must name the controller quorum");
        // A controller votes, so it must be among the voters; it serves no clients, so it has no listeners.
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("process.roles", "controller", "node.id", "4",
                "controller.quorum.voters", voters))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("'controller.quorum.voters' must list this node's node.id 4");
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("process.roles", "controller", "node.id", "1",
                "controller.quorum.voters", voters, "listeners", "127.0.0.1:9099"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("config key 'listeners' must not be set when 'process.roles' is controller");
        BrokerConfig broker = BrokerConfig.load(null, Map.of("process.roles", "broker", "node.id", "4", "controller.quorum.voters", voters));
        assertThat(broker.controllerConfig().voter()).isFalse();
        assertThat(broker.controllerConfig().isSingleVoter()).isFalse();
    }

    @Test
    void shippedSixNodeClusterConfigsSeparateControllersFromBrokers() {
        for (int n = 1; n <= 3; n++) {
            BrokerConfig c = BrokerConfig.load(REPO.resolve("config/cluster-6/controller-" + n + ".yaml"), Map.of());
            assertThat(c.nodeId()).isEqualTo(n);
            assertThat(c.isBroker()).isFalse();
            assertThat(c.controllerConfig().voter()).isTrue();
            assertThat(c.controllerConfig().voters()).containsOnlyKeys(1, 2, 3);
            assertThat(c.controllerConfig().bindPort()).isEqualTo(9191 + n);
            assertThat(c.dataDir().toString()).endsWith("cluster-6/controller-" + n);
        }
        for (int n = 4; n <= 6; n++) {
            BrokerConfig c = BrokerConfig.load(REPO.resolve("config/cluster-6/broker-" + n + ".yaml"), Map.of());
            assertThat(c.nodeId()).isEqualTo(n);
            assertThat(c.isController()).isFalse();
            assertThat(c.listenerPort()).isEqualTo(9088 + n);
            assertThat(c.controllerConfig().voters()).containsOnlyKeys(1, 2, 3);
            assertThat(c.dataDir().toString()).endsWith("cluster-6/broker-" + n);
        }
    }

    @Test
    void shippedThreeBrokerClusterConfigsFormOneQuorum() {
        for (int n = 1; n <= 3; n++) {
            BrokerConfig c = BrokerConfig.load(REPO.resolve("config/cluster-3/broker-" + n + ".yaml"), Map.of());
            io.sluice.brokerd.controller.ControllerConfig q = c.controllerConfig();
            assertThat(c.nodeId()).isEqualTo(n);
            assertThat(c.listenerPort()).isEqualTo(9091 + n);
            assertThat(q.voters()).containsOnlyKeys(1, 2, 3);
            assertThat(q.bindPort()).isEqualTo(9191 + n);
            assertThat(c.dataDir().toString()).endsWith("cluster-3/broker-" + n);
        }
    }

    @Test
    void shippedSecureClusterConfigsUseSaslSslAndTlsEverywhere() throws Exception {
        // The SASL files as make-certs.sh makes them (owner-only), instead of those under ~/.local/share.
        java.nio.file.attribute.FileAttribute<?> ownerOnly = java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Path users = Files.writeString(Files.createTempFile(tmp, "users", "", ownerOnly), "admin:a1\nbroker:b1\n");
        Path broker = Files.writeString(Files.createTempFile(tmp, "broker", "", ownerOnly), "broker:b1\n");
        for (int n = 1; n <= 3; n++) {
            BrokerConfig c = BrokerConfig.load(REPO.resolve("config/cluster-3-secure/broker-" + n + ".yaml"),
                    Map.of("sasl.bootstrap.users.file", users.toString(), "sasl.inter.broker.credentials.file", broker.toString()));
            c.checkStartable();
            assertThat(c.listeners()).hasSize(1);
            assertThat(c.listeners().get(0).protocol()).isEqualTo(io.sluice.brokerd.security.SecurityProtocol.SASL_SSL);
            assertThat(c.listeners().get(0).port()).isEqualTo(9091 + n);
            assertThat(c.interBrokerListenerName()).isEqualTo("SASL_SSL");
            assertThat(c.interBrokerSasl()).isEqualTo(new io.sluice.brokerd.security.SaslClientCredentials("SCRAM-SHA-512", "broker", "b1"));
            assertThat(c.saslBootstrapUsers()).containsOnlyKeys("admin", "broker");
            io.sluice.brokerd.security.SslConfig ssl = c.listenerSsl("SASL_SSL");
            assertThat(ssl.clientAuth()).isEqualTo(io.sluice.brokerd.security.SslConfig.ClientAuth.NONE);
            assertThat(ssl.keystoreLocation().toString()).endsWith("cluster-3-secure/certs/broker-" + n + ".pem");
            assertThat(c.controllerConfig().voters()).containsOnlyKeys(1, 2, 3);
        }
        assertThat(BrokerConfig.load(REPO.resolve("config/cluster-3-secure/broker-1.yaml"), Map.of())
                .get("sasl.bootstrap.users.file")).endsWith("cluster-3-secure/certs/users");
    }

    @Test
    void quorumSettingsAreCheckedAtStartUp() {
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("controller.quorum.voters", "1@127.0.0.1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("controller.quorum.voters");
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("controller.quorum.voters", "1@h:1,1@h:2")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("controller.quorum.voters");
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("controller.quorum.voters", "2@h:1,3@h:2")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("node.id 1");
        assertThatThrownBy(() -> BrokerConfig.load(null, Map.of("controller.quorum.voters", "1@h:1,2@h:2", "controller.listener", "h:0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("fixed port");
        // A single node is its own one-voter quorum on a free port.
        io.sluice.brokerd.controller.ControllerConfig single = BrokerConfig.load(null, Map.of()).controllerConfig();
        assertThat(single.isSingleVoter()).isTrue();
        assertThat(single.bindPort()).isZero();
    }
}
