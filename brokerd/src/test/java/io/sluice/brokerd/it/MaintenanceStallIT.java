package io.sluice.brokerd.it;

import io.sluice.brokerd.Broker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Log maintenance (roll, retention, flushes, checkpoint files) may wait on a slow disk for as long as the disk
 * takes; the broker's timers must not wait with it. The disk is stalled for real: the recovery-point checkpoint's
 * temporary file is made a named pipe, so maintenance blocks opening it until the test opens the other end. While
 * it hangs there, a long-poll fetch on an idle partition must still be answered when its max.wait.ms expires.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MaintenanceStallIT {
    @TempDir
    Path dataDir;

    @Test
    void aLongPollExpiresWhileMaintenanceIsStuckOnTheDisk() throws Exception {
        Path pipe = dataDir.resolve("recovery-point-offset-checkpoint.tmp");
        try (Broker broker = ItSupport.startBroker(dataDir, Map.of("log.retention.check.interval.ms", "100"));
             Admin admin = ItSupport.admin(broker.bootstrapServers())) {
            ItSupport.createTopic(admin, "idle", 1, Map.of());
            // The broker writes this file every 100 ms (then renames it): mkfifo fails while it exists, so try again.
            ItSupport.waitFor(() -> mkfifo(pipe), Duration.ofSeconds(30), "mkfifo " + pipe);
            try {
                ItSupport.waitFor(MaintenanceStallIT::maintenanceIsStuckWritingACheckpoint, Duration.ofSeconds(30),
                        "log maintenance to block on the checkpoint pipe");

                try (RawClient client = new RawClient("127.0.0.1", broker.boundAddress().getPort())) {
                    long startNs = System.nanoTime();
                    FetchResponseData resp = (FetchResponseData) client.call(ApiKeys.FETCH, (short) 12, longPoll("idle", 300));
                    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);

                    assertThat(resp.responses().get(0).partitions().get(0).errorCode()).isEqualTo(Errors.NONE.code());
                    assertThat(tookMs).as("the long poll waited its max.wait.ms").isGreaterThanOrEqualTo(250);
                    assertThat(maintenanceIsStuckWritingACheckpoint()).as("maintenance still stuck").isTrue();
                }
            } finally {
                unblock(pipe);
            }
        }
    }

    private static boolean mkfifo(Path pipe) {
        try {
            ProcessBuilder pb = new ProcessBuilder("mkfifo", pipe.toString()).redirectErrorStream(true);
            pb.environment().put("LC_ALL", "C"); // the message below is matched in English
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("mkfifo did not finish");
            }
            if (p.exitValue() != 0 && !out.contains("File exists")) {
                throw new AssertionError("mkfifo failed: " + out);
            }
            return p.exitValue() == 0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static FetchRequestData longPoll(String topic, int maxWaitMs) {
        return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1).setMaxBytes(1 << 20)
                .setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setCurrentLeaderEpoch(-1).setFetchOffset(0)
                                .setLastFetchedEpoch(-1).setLogStartOffset(-1).setPartitionMaxBytes(1 << 20)))));
    }

    /** A broker thread is inside LogManager.maintain, writing a checkpoint file (blocked opening the pipe). */
    private static boolean maintenanceIsStuckWritingACheckpoint() {
        return Thread.getAllStackTraces().values().stream().map(Arrays::asList).anyMatch(stack ->
                stack.stream().anyMatch(f -> f.getClassName().endsWith("log.Checkpoints") && f.getMethodName().equals("writeAtomically"))
                        && stack.stream().anyMatch(f -> f.getClassName().endsWith("log.LogManager") && f.getMethodName().equals("maintain")));
    }

    /**
     * Moves the pipe aside, so later passes write a regular file, and opens its read end, which lets the blocked
     * writer through (its fsync of a pipe then fails and that pass logs the error).
     */
    private static void unblock(Path pipe) throws Exception {
        if (!Files.exists(pipe)) {
            return;
        }
        Path aside = pipe.resolveSibling("stalled-checkpoint.fifo");
        Files.move(pipe, aside);
        Thread reader = new Thread(() -> {
            try (InputStream in = new FileInputStream(aside.toFile())) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "test-pipe-reader");
        reader.setDaemon(true);
        reader.start();
        ItSupport.waitFor(() -> !maintenanceIsStuckWritingACheckpoint(), Duration.ofSeconds(30), "maintenance to get past the pipe");
        Files.deleteIfExists(aside);
    }
}
