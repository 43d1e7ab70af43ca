package io.sluice.brokerd.controller;

import io.sluice.brokerd.metadata.BrokerRegistration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fence decided by a lease check is proposed on the deciding node's own Raft server, so only the quorum leader can
 * commit it: a node that no longer leads (its check started just before it lost the lead) is refused, instead of the
 * client forwarding its fence to a new leader that had just granted every broker a fresh session. Three voters in
 * this JVM on 127.0.0.1.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LeaderOnlyFenceTest {
    @TempDir
    Path dir;

    @Test
    void onlyTheQuorumLeaderCommitsALeaseFence() throws Exception {
        Map<Integer, String> voters = new TreeMap<>();
        for (int id = 1; id <= 3; id++) {
            voters.put(id, "127.0.0.1:" + freePort());
        }
        List<QuorumController> nodes = new ArrayList<>();
        try {
            for (int id = 1; id <= 3; id++) {
                int port = Integer.parseInt(voters.get(id).substring(voters.get(id).lastIndexOf(':') + 1));
                // a long session: no lease of these tests expires on its own
                nodes.add(QuorumController.start(new ControllerConfig(id, voters, "127.0.0.1", port,
                        dir.resolve("n" + id), 60_000, 1_000, 30_000, 10_000, 1 << 20)));
            }
            for (QuorumController q : nodes) {
                q.initCluster("fence", 60_000);
            }
            for (int id = 1; id <= 3; id++) {
                nodes.get(id - 1).register("127.0.0.1", 9090 + id, "", List.of(), 60_000);
            }
            int leader = awaitLeader(nodes.get(0));
            QuorumController onLeader = nodes.get(leader - 1);
            QuorumController onFollower = nodes.stream().filter(q -> q != onLeader).findFirst().orElseThrow();
            int victim = nodes.indexOf(onFollower) + 1;
            BrokerRegistration b = onLeader.image().brokers().get(victim);
            assertThat(b.fenced()).isFalse();

            CommandResult refused = onFollower.submit(new MetadataCommand.FenceBroker(victim, b.incarnation(), "test"), 10_000, true);
            assertThat(refused.isOk()).as("a follower's lease fence").isFalse();
            assertThat(refused.message()).contains("NotLeader");
            assertThat(onFollower.submit(new MetadataCommand.AllocateProducerIds(1, 1), 30_000).isOk())
                    .as("a later change commits: the refused fence is not in the log").isTrue();
            assertThat(onFollower.image().brokers().get(victim).fenced()).isFalse();

            CommandResult fenced = onLeader.submit(new MetadataCommand.FenceBroker(victim, b.incarnation(), "test"), 30_000, true);
            assertThat(fenced.isOk()).as(fenced.message()).isTrue();
            assertThat(onLeader.image().brokers().get(victim).fenced()).isTrue();
        } finally {
            for (QuorumController q : nodes) {
                q.close();
            }
        }
    }

    private static int awaitLeader(QuorumController q) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (q.leaderId() < 0) {
            if (System.nanoTime() > deadlineNs) {
                throw new AssertionError("no quorum leader within 60 s");
            }
            Thread.sleep(20);
        }
        return q.leaderId();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
