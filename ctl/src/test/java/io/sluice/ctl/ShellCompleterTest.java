package io.sluice.ctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(10)
class ShellCompleterTest {
    private final ClusterNames names = new ClusterNames(new ClusterNames.Source() {
        @Override
        public List<String> topics() {
            return List.of("orders", "payments");
        }

        @Override
        public List<String> groups() {
            return List.of("analytics");
        }
    }, () -> 0L, Long.MAX_VALUE);
    private final ShellCompleter completer = new ShellCompleter(SluiceCommand.commandLine().getCommandSpec(), names);

    private List<String> complete(String current, String... before) {
        return completer.candidates(List.of(before), current);
    }

    @Test
    void commandsAtTheStartOfALineAndSubcommandsAfterACommand() {
        assertThat(complete("")).contains("topic", "group", "produce", "consume", "version", "shell", "doctor", "exit", "help");
        assertThat(complete("", "topic")).contains("create", "list", "describe", "delete", "add-partitions", "alter-config", "offsets")
                .doesNotContain("orders", "exit");
        assertThat(complete("", "group")).contains("list", "describe", "check", "seek", "delete", "delete-offsets");
    }

    @Test
    void optionsIncludingTheInheritedGlobalOnes() {
        assertThat(complete("-", "topic", "list")).contains("--internal", "-i", "-o", "--output", "--brokers", "--no-headers", "--timeout");
        assertThat(complete("--", "topic", "create", "orders")).contains("--partitions", "--if-not-exists", "--config");
    }

    @Test
    void fixedValuesOfEnumOptions() {
        assertThat(complete("", "topic", "list", "-o")).containsExactly("table", "wide", "json", "yaml", "text");
        assertThat(complete("", "-o")).containsExactly("table", "wide", "json", "yaml", "text");
    }

    @Test
    void topicAndGroupNamesFromTheCluster() {
        assertThat(complete("", "topic", "describe")).containsExactly("orders", "payments");
        assertThat(complete("", "topic", "describe", "-o", "json")).as("an option's value is not a positional").containsExactly("orders", "payments");
        assertThat(complete("", "topic", "delete", "orders")).as("TOPIC... takes more").containsExactly("orders", "payments");
        assertThat(complete("", "produce")).containsExactly("orders", "payments");
        assertThat(complete("", "produce", "orders")).as("FILE, not a topic").isEmpty();
        assertThat(complete("", "group", "describe")).containsExactly("analytics");
        assertThat(complete("", "group", "check", "analytics")).as("every GROUP of check").containsExactly("analytics");
        assertThat(complete("", "consume", "orders", "--group")).containsExactly("analytics");
        assertThat(complete("", "group", "delete-offsets", "analytics", "--topic")).containsExactly("orders", "payments");
    }

    @Test
    void aCommaSeparatedOptionCompletesItsLastElement() {
        assertThat(complete("orders,", "group", "seek", "analytics", "--topics")).containsExactly("orders,orders", "orders,payments");
    }
}
