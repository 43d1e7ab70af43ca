package io.sluice.brokerd.network;

import io.netty.channel.embedded.EmbeddedChannel;
import io.sluice.brokerd.common.Fatal;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An OutOfMemoryError that reaches a request's task boundary ends the process with status 3 (what
 * {@code -XX:+ExitOnOutOfMemoryError} uses), instead of being answered like any other error: here thrown by code (as
 * direct-buffer exhaustion is), which the JVM flag does not cover. Runs in a child JVM, which it ends.
 */
@Timeout(60)
class OutOfMemoryExitTest {

    /** The child: one connection whose Metadata handler runs out of memory. */
    public static void main(String[] args) {
        ApiRegistry registry = new ApiRegistry();
        registry.register(ApiKeys.METADATA, 0, 13, (ctx, req) -> {
            throw new OutOfMemoryError("Cannot reserve 104857600 bytes of direct buffer memory");
        });
        ConnectionBudget budget = new ConnectionBudget(QueuedRequestBytes.unbounded(), 100, -1);
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1 << 20, budget, RequestObserver.NONE),
                new RequestDispatcher(registry, Clock.systemUTC(), budget, Runnable::run, RequestObserver.NONE));
        ch.writeInbound(RequestDispatcherTest.frame(ApiKeys.METADATA, (short) 12, 1, new MetadataRequestData()));
        System.out.println("still running after an OutOfMemoryError");
        System.exit(0);
    }

    @Test
    void anOutOfMemoryErrorInAHandlerEndsTheProcessWithStatus3() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), OutOfMemoryExitTest.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).as(out).isEqualTo(Fatal.EXIT_STATUS);
        assertThat(out).contains("Out of memory; exiting").doesNotContain("still running");
    }
}
