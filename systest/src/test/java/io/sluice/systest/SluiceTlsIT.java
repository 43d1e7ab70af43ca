package io.sluice.systest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.BrokerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.sluice.systest.SluiceCommandsIT.sluiceAt;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * sluice against a brokerd whose only listener is SSL with client certificates required (mutual TLS), certificates
 * from config/cluster-3-secure/make-certs.sh: the TLS flags reach every client sluice builds (admin, producer,
 * consumer), and each way TLS can fail is said in words with exit 6.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SluiceTlsIT {
    @TempDir
    static Path root;
    static Path certs;
    static Broker broker;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        certs = BrokerCluster.makeCerts(root.resolve("certs"), "broker-1", "client");
        Map<String, String> c = new HashMap<>(Map.of("listeners", "SSL://127.0.0.1:0", "data.dir", root.resolve("data").toString(),
                "metrics.listener", "", "group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "1"));
        c.putAll(Map.of("ssl.keystore.type", "PEM", "ssl.keystore.location", certs.resolve("broker-1.pem").toString(),
                "ssl.truststore.type", "PEM", "ssl.truststore.location", certs.resolve("ca.pem").toString(), "ssl.client.auth", "required"));
        broker = Broker.start(BrokerConfig.load(null, c));
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    private static SluiceCommandsIT.Run tls(String... args) {
        List<String> all = new ArrayList<>(List.of("--timeout", "30", "--ca-file", certs.resolve("ca.pem").toString(),
                "--cert-file", certs.resolve("client-cert.pem").toString(), "--key-file", certs.resolve("client-key.pem").toString()));
        all.addAll(List.of(args));
        return sluiceAt(broker.bootstrapServers(), all.toArray(String[]::new));
    }

    @Test
    void everyCommandReachesTheClusterOverMutualTls(@TempDir Path tmp) throws Exception {
        SluiceCommandsIT.Run create = tls("topic", "create", "orders", "-p", "2");
        assertThat(create.exit()).as(create.err()).isZero();
        Path input = tmp.resolve("in.txt");
        Files.writeString(input, "k1:v1\nk2:v2\nk3:v3\n", StandardCharsets.UTF_8);
        SluiceCommandsIT.Run produce = tls("produce", "orders", input.toString(), "-k", ":", "-o", "json");
        assertThat(produce.exit()).as(produce.err()).isZero();
        assertThat(JSON.readTree(produce.out()).get("records").asInt()).isEqualTo(3);
        SluiceCommandsIT.Run consume = tls("consume", "orders", "-o", "json");
        assertThat(consume.exit()).as(consume.err()).isZero();
        assertThat(consume.out().lines().map(l -> json(l).get("value").asText()).sorted().toList()).containsExactly("v1", "v2", "v3");
        SluiceCommandsIT.Run info = tls("cluster", "info", "-o", "json");
        assertThat(info.exit()).as(info.err()).isZero();
        assertThat(JSON.readTree(info.out()).get("clusterId").asText()).isEqualTo(broker.clusterId());
        // The certificate and its key in one file, as make-certs.sh's client.pem holds them.
        SluiceCommandsIT.Run combined = sluiceAt(broker.bootstrapServers(), "--timeout", "30", "--ca-file", certs.resolve("ca.pem").toString(),
                "--cert-file", certs.resolve("client.pem").toString(), "topic", "list", "-o", "json");
        assertThat(combined.exit()).as(combined.err()).isZero();
        assertThat(JSON.readTree(combined.out()).findValuesAsText("name")).contains("orders");
    }

    @Test
    void aProfileCarriesTheTlsSettings(@TempDir Path home) throws Exception {
        System.setProperty("sluice.config", home.resolve("config.yaml").toString());
        try {
            SluiceCommandsIT.Run create = SluiceCommandsIT.bare("profile", "create", "secure", "--set-brokers", broker.bootstrapServers(),
                    "--ca-file", certs.resolve("ca.pem").toString(), "--cert-file", certs.resolve("client.pem").toString(), "--use");
            assertThat(create.exit()).as(create.err()).isZero();
            SluiceCommandsIT.Run list = SluiceCommandsIT.bare("--timeout", "30", "cluster", "info", "-o", "json");
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(JSON.readTree(list.out()).get("clusterId").asText()).isEqualTo(broker.clusterId());
        } finally {
            System.clearProperty("sluice.config");
        }
    }

    @Test
    void anUntrustedServerCertificateIsSaidWithTheCaFileUsed() throws Exception {
        Path other = BrokerCluster.makeCerts(root.resolve("other-ca"), "client");
        SluiceCommandsIT.Run r = sluiceAt(broker.bootstrapServers(), "--timeout", "30", "--ca-file", other.resolve("ca.pem").toString(),
                "--cert-file", certs.resolve("client.pem").toString(), "topic", "list");
        assertThat(r.exit()).as(r.err()).isEqualTo(6);
        assertThat(r.err()).isEqualTo("sluice: listing topics: TLS: the server's certificate is not trusted by the CA file "
                + other.resolve("ca.pem") + "\n");
        SluiceCommandsIT.Run noCa = sluiceAt(broker.bootstrapServers(), "--timeout", "30", "--security-protocol", "SSL", "topic", "list");
        assertThat(noCa.exit()).as(noCa.err()).isEqualTo(6);
        assertThat(noCa.err()).contains("not trusted by the JVM's default CAs (give the cluster's CA with --ca-file)").doesNotContain("\tat ");
    }

    @Test
    void aCertificateForAnotherHostIsSaidAsSuch() throws Exception {
        Path dir = root.resolve("wrong-host");
        Files.createDirectories(dir);
        Files.copy(certs.resolve("ca.pem"), dir.resolve("ca.pem"));
        Files.copy(certs.resolve("ca-key.pem"), dir.resolve("ca-key.pem"));
        makeCerts(dir, "broker.example.com", "elsewhere");
        Map<String, String> c = new HashMap<>(Map.of("listeners", "SSL://127.0.0.1:0", "data.dir", root.resolve("data-wrong-host").toString(),
                "metrics.listener", "", "ssl.keystore.type", "PEM", "ssl.keystore.location", dir.resolve("elsewhere.pem").toString()));
        try (Broker wrong = Broker.start(BrokerConfig.load(null, c))) {
            SluiceCommandsIT.Run r = sluiceAt(wrong.bootstrapServers(), "--timeout", "30", "--ca-file", certs.resolve("ca.pem").toString(), "topic", "list");
            assertThat(r.exit()).as(r.err()).isEqualTo(6);
            assertThat(r.err()).startsWith("sluice: listing topics: TLS: the server's certificate does not name the host connected to (")
                    .contains("127.0.0.1").hasLineCount(1);
        }
    }

    @Test
    void withoutAClientCertificateTheRefusalSaysSo() {
        SluiceCommandsIT.Run r = sluiceAt(broker.bootstrapServers(), "--timeout", "30", "--ca-file", certs.resolve("ca.pem").toString(), "topic", "list");
        assertThat(r.exit()).as(r.err()).isEqualTo(6);
        assertThat(r.err()).startsWith("sluice: listing topics: TLS: the server refused the client certificate (")
                .endsWith("); give one its CA signed with --cert-file and --key-file\n").hasLineCount(1);
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError(line, e);
        }
    }

    /** make-certs.sh with HOSTS set: certificates valid for {@code hosts} only. */
    private static void makeCerts(Path dir, String hosts, String name) throws Exception {
        Path script = Path.of("..", "config", "cluster-3-secure", "make-certs.sh").toAbsolutePath().normalize();
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), dir.toString(), name).redirectErrorStream(true);
        pb.environment().put("HOSTS", hosts);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }
}
