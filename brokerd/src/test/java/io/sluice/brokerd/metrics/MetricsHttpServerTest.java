package io.sluice.brokerd.metrics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(20)
class MetricsHttpServerTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> call(MetricsHttpServer s, String method, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + s.address().getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyIs503UntilTheBrokerServesThen200() throws Exception {
        try (MetricsHttpServer s = new MetricsHttpServer("127.0.0.1", 0)) {
            assertThat(call(s, "GET", "/ready").statusCode()).isEqualTo(503);
            assertThat(call(s, "GET", "/metrics").statusCode()).isEqualTo(503);
            MetricsRegistry r = new MetricsRegistry();
            r.counter("sluice_test_total", "a test counter", "topic").inc(3, "a\"b");
            AtomicBoolean ready = new AtomicBoolean(true);
            AtomicBoolean healthy = new AtomicBoolean(true);
            s.serve(r, ready::get, healthy::get);
            assertThat(call(s, "GET", "/ready").statusCode()).isEqualTo(200);
            assertThat(call(s, "GET", "/health").statusCode()).isEqualTo(200);
            HttpResponse<String> m = call(s, "GET", "/metrics");
            assertThat(m.statusCode()).isEqualTo(200);
            assertThat(m.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain; version=0.0.4"));
            assertThat(PrometheusText.parse(m.body())).containsEntry("sluice_test_total{topic=\"a\\\"b\"}", 3.0);
            healthy.set(false);
            ready.set(false);
            assertThat(call(s, "GET", "/health").statusCode()).isEqualTo(503);
            assertThat(call(s, "GET", "/ready").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void logLevelsChangeAtRuntime() throws Exception {
        try (MetricsHttpServer s = new MetricsHttpServer("127.0.0.1", 0)) {
            HttpResponse<String> set = call(s, "PUT", "/loglevel?logger=io.sluice.test&level=DEBUG");
            assertThat(set.statusCode()).isEqualTo(200);
            assertThat(set.body()).isEqualTo("io.sluice.test DEBUG\n");
            assertThat(org.slf4j.LoggerFactory.getLogger("io.sluice.test").isDebugEnabled()).isTrue();
            assertThat(call(s, "GET", "/loglevel?logger=io.sluice.test").body()).contains("DEBUG");
            assertThat(call(s, "PUT", "/loglevel?logger=io.sluice.test&level=LOUD").statusCode()).isEqualTo(400);
            assertThat(call(s, "DELETE", "/loglevel").statusCode()).isEqualTo(405);
        }
    }

    @Test
    void theParserRejectsMalformedExpositions() {
        assertThatThrownBy(() -> PrometheusText.parse("x 1\n")).hasMessageContaining("no TYPE");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE x counter\nx{a=b} 1\n")).hasMessageContaining("line 2");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE h histogram\nh_bucket{le=\"1\"} 5\nh_bucket{le=\"2\"} 3\nh_bucket{le=\"+Inf\"} 5\n"))
                .hasMessageContaining("cumulative");
    }
}
