package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The metrics endpoint with HTTPS and HTTP basic auth, as a scraper (the JDK's HTTP client) meets it. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetricsSecurityIT {
    @TempDir
    Path tmp;

    private Path usersFile(String perms) throws IOException {
        Path f = tmp.resolve("metrics-users-" + perms);
        Files.writeString(f, "# scrapers\nprometheus:s3cret:with:colons\n\nops:other\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    @Test
    void httpsWithBasicAuthOnEveryPath() throws Exception {
        TestCerts certs = TestCerts.get();
        Map<String, String> c = new HashMap<>(TlsIT.serverTls("broker"));
        c.put("metrics.listener", "https://127.0.0.1:0");
        c.put("metrics.basic.auth.file", usersFile("rw-------").toString());
        Broker broker = ItSupport.startBroker(tmp.resolve("data"), c);
        try {
            String base = "https://localhost:" + broker.metricsAddress().getPort();
            HttpClient https = HttpClient.newBuilder().sslContext(certs.trustingContext()).connectTimeout(Duration.ofSeconds(10)).build();
            assertThat(get(https, base + "/metrics", null).statusCode()).isEqualTo(401);
            assertThat(get(https, base + "/health", "prometheus:wrong").statusCode()).isEqualTo(401);
            assertThat(get(https, base + "/ready", "nobody:s3cret:with:colons").statusCode()).isEqualTo(401);
            HttpResponse<String> ok = get(https, base + "/metrics", "prometheus:s3cret:with:colons");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("sluice_connections");
            assertThat(get(https, base + "/health", "ops:other").statusCode()).isEqualTo(200);
            // Plain HTTP on the HTTPS port gets no metrics.
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            assertThatThrownBy(() -> get(http, "http://127.0.0.1:" + broker.metricsAddress().getPort() + "/metrics",
                    "prometheus:s3cret:with:colons")).isInstanceOf(IOException.class);
        } finally {
            broker.close();
        }
    }

    @Test
    void aUsersFileOthersCanReadIsRefused() throws Exception {
        Map<String, String> c = Map.of("metrics.basic.auth.file", usersFile("rw-r--r--").toString());
        assertThatThrownBy(() -> ItSupport.startBroker(tmp.resolve("refused"), c)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("metrics.basic.auth.file").hasMessageContaining("chmod 600");
        // Not locked out for good: the data dir is free again and a good file starts the broker.
        Broker ok = ItSupport.startBroker(tmp.resolve("refused"), Map.of("metrics.basic.auth.file", usersFile("r--------").toString()));
        ok.close();
    }

    private static HttpResponse<String> get(HttpClient client, String url, String userPassword) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (userPassword != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8)));
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
