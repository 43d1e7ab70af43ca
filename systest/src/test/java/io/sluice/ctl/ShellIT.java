package io.sluice.ctl;

import io.sluice.brokerd.Broker;
import io.sluice.brokerd.config.BrokerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * sluice shell against a real brokerd: completion offers the cluster's topic and group names, a session on an
 * xterm-like terminal runs commands and completes a topic created in the same session on Tab. In package io.sluice.ctl
 * because the shell's parts are package-private.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ShellIT {
    @TempDir
    static Path dataDir;
    static Broker broker;
    static Admin admin;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start(BrokerConfig.load(null, Map.of("listeners", "127.0.0.1:0", "data.dir", dataDir.toString(),
                "metrics.listener", "", "offsets.topic.num.partitions", "2")));
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        admin.createTopics(List.of(new NewTopic("shell-orders", 2, (short) 1), new NewTopic("shell-payments", 1, (short) 1))).all().get();
        admin.alterConsumerGroupOffsets("shell-readers", Map.of(new TopicPartition("shell-orders", 0), new OffsetAndMetadata(0))).all().get();
    }

    @AfterAll
    static void stop() {
        admin.close();
        broker.close();
    }

    static GlobalOptions globals(String... args) {
        SluiceCommand root = new SluiceCommand();
        new CommandLine(root).parseArgs(args);
        return root.globals;
    }

    static ClusterNames names(String... args) {
        return new ClusterNames(new ShellCommand.ClusterSource(globals(args)), System::nanoTime, ShellCommand.NAMES_TTL_NS);
    }

    @Test
    void completionOffersTopicAndGroupNamesFromTheCluster() {
        ShellCompleter completer = new ShellCompleter(SluiceCommand.commandLine().getCommandSpec(), names("--brokers", broker.bootstrapServers()));
        assertThat(completer.candidates(List.of("topic", "describe"), "")).contains("shell-orders", "shell-payments")
                .doesNotContain("__consumer_offsets");
        assertThat(completer.candidates(List.of("group", "describe"), "")).contains("shell-readers");
        assertThat(completer.candidates(List.of("consume", "shell-orders", "-g"), "")).contains("shell-readers");
    }

    @Test
    void anUnreachableClusterGivesNoNamesQuicklyAndSaysWhy() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ClusterNames names = names("--brokers", "127.0.0.1:" + port);
        long startNs = System.nanoTime();
        assertThat(names.topics()).isEmpty();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs)).isLessThan(10_000);
        assertThat(names.lastFailure()).contains("no answer from 127.0.0.1:" + port);
        long againNs = System.nanoTime();
        assertThat(names.topics()).isEmpty();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - againNs)).as("the failure is cached").isLessThan(500);
    }

    @Test
    void aSessionRunsCommandsAndTabCompletesATopicItCreated(@TempDir Path home) throws Exception {
        String input = "topic create shell-made -p 2\ntopic describe shell-ma\t-o json\ntopic describe nope\ngroup list --window 0\nexit\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        List<String> globalArgs = List.of("--brokers", broker.bootstrapServers());
        int exit;
        try (Terminal terminal = new ExternalTerminal("test", "xterm", new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out,
                StandardCharsets.UTF_8)) {
            Shell shell = new Shell(terminal, home.resolve("history"), SluiceCommand::commandLine, globalArgs,
                    names(globalArgs.toArray(String[]::new)), new PrintWriter(err), true);
            exit = shell.run();
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("topic shell-made created").contains("\"name\" : \"shell-made\"").contains("shell-readers");
        assertThat(err.toString()).contains("sluice: describing topic nope:").doesNotContain("\tat ");
        assertThat(exit).as("exit without a code returns the last command's").isZero();
        assertThat(admin.describeTopics(List.of("shell-made")).allTopicNames().get().get("shell-made").partitions()).hasSize(2);
    }
}
