package io.sluice.tui;

import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import io.sluice.ops.SnapshotPoller;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Each page on Lanterna's virtual terminal at 80x24 and 132x40, from hand-built snapshots (see {@link Fixtures}). */
@Timeout(20)
class DashboardRenderTest {
    static final long NOW = Fixtures.T0 + 11_000;

    final List<String> pollerCalls = new ArrayList<>();
    final List<String> actionCalls = new ArrayList<>();
    /** The callbacks of actions asked for, answered by the test (the real ones answer later, on the screen thread). */
    final List<java.util.function.Consumer<Controller.Outcome<io.sluice.ops.OffsetSeek.Plan>>> seekCallbacks = new ArrayList<>();
    final List<java.util.function.Consumer<Controller.Outcome<List<io.sluice.ops.Partitions.ElectionResult>>>> electCallbacks = new ArrayList<>();

    final Controller.Actions actions = new Controller.Actions() {
        @Override
        public void planSeek(String group, String to, java.util.function.Consumer<Controller.Outcome<io.sluice.ops.OffsetSeek.Plan>> done) {
            actionCalls.add("plan seek " + group + " to " + to);
            seekCallbacks.add(done);
        }

        @Override
        public void executeSeek(io.sluice.ops.OffsetSeek.Plan plan, java.util.function.Consumer<Controller.Outcome<io.sluice.ops.OffsetSeek.Plan>> done) {
            actionCalls.add("execute seek " + plan.group() + " " + plan.moves().size() + " moves");
            seekCallbacks.add(done);
        }

        @Override
        public void electPreferred(List<org.apache.kafka.common.TopicPartition> partitions,
                                   java.util.function.Consumer<Controller.Outcome<List<io.sluice.ops.Partitions.ElectionResult>>> done) {
            actionCalls.add("elect " + partitions);
            electCallbacks.add(done);
        }
    };

    Controller controller(VirtualScreen vs) {
        return new Controller(vs.ui, vs.dashboard, new Controller.PollerControls() {
            @Override
            public void paused(boolean paused) {
                pollerCalls.add("paused " + paused);
            }

            @Override
            public void stepInterval(int direction) {
                pollerCalls.add("interval " + direction);
            }

            @Override
            public void tail(SnapshotPoller.TailRequest request) {
                pollerCalls.add("tail " + request);
            }
        }, actions);
    }

    static KeyStroke key(char c) {
        return new KeyStroke(c, false, false);
    }

    static KeyStroke key(KeyType t) {
        return new KeyStroke(t);
    }

    static final TextColor RED = TextColor.ANSI.RED;
    static final TextColor YELLOW = TextColor.ANSI.YELLOW;
    static final TextColor GREEN = TextColor.ANSI.GREEN;

    VirtualScreen show(int columns, int rows, Theme theme, char... keys) {
        VirtualScreen vs = new VirtualScreen(columns, rows, theme);
        Controller c = controller(vs);
        for (char k : keys) {
            c.onKey(key(k), Fixtures.state(), 10);
        }
        return vs.render(Fixtures.state(), NOW);
    }

    @Test
    void overviewCountsProblemsAndRatesAt80x24() {
        VirtualScreen vs = show(80, 24, new Theme(true, true));
        vs.save("overview-80x24");
        assertThat(vs.lines()).hasSize(24).allSatisfy(l -> assertThat(l).hasSize(80));
        assertThat(vs.text()).contains("cluster sluice-test-cluster").contains("Controller  broker 1")
                .contains("2 up, 1 down").contains("Topics      3 (8 partitions)")
                .contains("1 offline, 5 under-replicated, 1 under min ISR")
                .contains("Produce     450 rec/s").contains("Consume     250 rec/s")
                .contains("Lag         4,000 records in 2 groups")
                .contains("updated 1s ago");
        // the controller quorum: each member as id:lag, a lagging one in warning colour, an unknown one as bad
        assertThat(vs.text()).contains("Quorum      leader 1 epoch 7  voters 1:0 2:0 3:?  observers 4:12");
        assertThat(vs.at("leader 1").getForegroundColor()).isEqualTo(GREEN);
        assertThat(vs.at("3:?").getForegroundColor()).isEqualTo(RED);
        assertThat(vs.at("4:12").getForegroundColor()).isEqualTo(YELLOW);
        assertThat(vs.at("1 down").getForegroundColor()).isEqualTo(RED);
        assertThat(vs.at("1 offline").getForegroundColor()).isEqualTo(RED);
        assertThat(vs.at("5 under-replicated").getForegroundColor()).isEqualTo(YELLOW);
        assertThat(vs.at("2 up").getForegroundColor()).isEqualTo(GREEN);
        // most lagging group first, with its ETA coloured
        int billing = vs.rowOf("billing");
        assertThat(vs.lines().get(billing)).contains("4,000").contains("falling behind");
        assertThat(vs.at("falling behind").getForegroundColor()).isEqualTo(RED);
        assertThat(vs.at("caught up").getForegroundColor()).isEqualTo(GREEN);
        assertThat(billing).isLessThan(vs.rowOf("audit"));
        // what needs attention, said once per cause, user topics before internal ones
        assertThat(vs.lines().get(vs.rowOf("Needs attention"))).contains("Needs attention  6 partitions, 1 cause  Enter: each partition");
        int cause = vs.rowOf("broker 3 down");
        assertThat(vs.lines().get(cause).stripTrailing()).isEqualTo("broker 3 down: 1 partition offline: orders-2");
        assertThat(vs.lines().get(cause + 1).stripTrailing()).isEqualTo("  5 partitions under-replicated: 2 of orders, 3 of __consumer_offsets");
        assertThat(vs.at("broker 3 down").getForegroundColor()).isEqualTo(RED);
        assertThat(vs.at(vs.lines().get(cause).indexOf("offline"), cause).getForegroundColor()).isEqualTo(RED);
        assertThat(vs.at(vs.lines().get(cause + 1).indexOf("under-replicated"), cause + 1).getForegroundColor()).isEqualTo(YELLOW);
        assertThat(vs.text()).doesNotContain("orders-0").as("one line per cause, not per partition");
        assertThat(vs.lines().get(23)).contains("Enter problems").contains("? help").contains("q quit");
    }

    @Test
    void brokersShowDownBrokerAndTotals() {
        VirtualScreen vs = show(80, 24, new Theme(true, true), '2');
        vs.save("brokers-80x24");
        String b1 = vs.lines().get(vs.rowOf("10.0.0.1:9092"));
        assertThat(b1).containsPattern("1\\* 10\\.0\\.0\\.1:9092 +rack-a +up +4 +7 +0 +4 +6\\.1 MiB");
        String b3 = vs.lines().get(vs.rowOf("(not registered)"));
        assertThat(b3).containsPattern("3 \\(not registered\\) +- +down +0 +6 +6 +- +-");
        assertThat(vs.at("down").getForegroundColor()).isEqualTo(RED);
    }

    @Test
    void topicsFlagOfflineAndUnderReplicatedAndDrillIntoPartitions() {
        VirtualScreen vs = show(80, 24, new Theme(true, true), '3');
        vs.save("topics-80x24");
        assertThat(vs.lines().get(vs.rowOf("orders "))).containsPattern("orders +3 +3 +450 +250 +6\\.0 MiB 1 OFFLINE");
        assertThat(vs.lines().get(vs.rowOf("payments "))).containsPattern("payments +2 +2 +0\\.0 +0\\.0 +120 KiB ok");
        assertThat(vs.at("1 OFFLINE").getForegroundColor()).isEqualTo(RED);

        controller(vs).onKey(key(KeyType.Enter), Fixtures.state(), 10);
        vs.render(Fixtures.state(), NOW).save("partitions-80x24");
        assertThat(vs.ui.page).isEqualTo(ScreenState.Page.PARTITIONS);
        assertThat(vs.text()).contains("Topic orders  RF 3  min ISR 2  2 URP  1 offline");
        String p0 = vs.lines().get(vs.rowOf("   0 1"));
        assertThat(p0).containsPattern("0 1 +1,2,3 +1,2,!3 +0 +13,000 +4\\.0 MiB +300");
        int row = vs.rowOf("   0 1");
        assertThat(vs.at(p0.indexOf("!3"), row).getForegroundColor()).isEqualTo(RED);
        assertThat(vs.at(p0.indexOf("1,2,!3"), row).getForegroundColor()).isNotEqualTo(RED);
        String p2 = vs.lines().get(vs.rowOf("   2 none"));
        assertThat(p2).contains("!3");
        assertThat(vs.at("none").getForegroundColor()).isEqualTo(RED);

        controller(vs).onKey(key(KeyType.Escape), Fixtures.state(), 10);
        assertThat(vs.ui.page).isEqualTo(ScreenState.Page.TOPICS);
    }

    @Test
    void placementMarksLeadersFollowersAndOutOfSyncReplicas() {
        VirtualScreen vs = show(80, 24, new Theme(true, true), '4');
        vs.save("placement-80x24");
        String header = vs.lines().get(vs.rowOf("PARTITION"));
        int b1 = header.indexOf("B1");
        int b2 = header.indexOf("B2");
        int b3 = header.indexOf("B3");
        int r0 = vs.rowOf("orders-0");
        assertThat(vs.at(b1, r0).getCharacterString()).isEqualTo("L");
        assertThat(vs.at(b1, r0).getForegroundColor()).isEqualTo(GREEN);
        assertThat(vs.at(b2, r0).getCharacterString()).isEqualTo("F");
        assertThat(vs.at(b3, r0).getCharacterString()).isEqualTo("!");
        assertThat(vs.at(b3, r0).getForegroundColor()).isEqualTo(RED);
        int r2 = vs.rowOf("orders-2");
        assertThat(vs.at(b1, r2).getCharacterString()).isEqualTo(" ");
        assertThat(vs.at(b3, r2).getCharacterString()).isEqualTo("!");
        int leaders = vs.rowOf("leaders");
        assertThat(vs.at(b1, leaders).getCharacterString()).isEqualTo("2");
        assertThat(vs.at(b3, vs.rowOf("replicas")).getCharacterString()).isEqualTo("3");
        assertThat(vs.lines().get(vs.rowOf("leader skew"))).containsPattern("0% +0% +down");

        Controller c = controller(vs);
        c.onKey(key('/'), Fixtures.state(), 10);
        for (char ch : "pay".toCharArray()) {
            c.onKey(key(ch), Fixtures.state(), 10);
        }
        c.onKey(key(KeyType.Enter), Fixtures.state(), 10);
        vs.render(Fixtures.state(), NOW);
        assertThat(vs.text()).contains("payments-0").contains("payments-1").doesNotContain("orders-").contains("filter \"pay\"");
        c.onKey(key(KeyType.Escape), Fixtures.state(), 10);
        assertThat(vs.render(Fixtures.state(), NOW).text()).contains("orders-0");
    }

    @Test
    void groupsShowLagTrendRateAndEtaAndDrillIn() {
        VirtualScreen vs = show(80, 24, new Theme(true, true), '5');
        vs.save("groups-80x24");
        String billing = vs.lines().get(vs.rowOf("billing "));
        assertThat(billing).containsPattern("billing +Stable +WARN +2 +4,000 [▁-█]{4} +250 falling behind");
        assertThat(billing).contains("▃▄▅█");
        assertThat(vs.at(billing.indexOf("4,000"), vs.rowOf("billing ")).getForegroundColor()).isEqualTo(RED);
        assertThat(vs.at(billing.indexOf("WARN"), vs.rowOf("billing ")).getForegroundColor()).as("lag status WARN").isEqualTo(YELLOW);
        String audit = vs.lines().get(vs.rowOf("audit "));
        assertThat(audit).containsPattern("audit +Empty +OK +0 +0 ▁▁▁▁ +0\\.0 caught up");
        assertThat(vs.at(audit.indexOf("OK"), vs.rowOf("audit ")).getForegroundColor()).isEqualTo(GREEN);

        Controller c = controller(vs);
        c.onKey(key('j'), Fixtures.state(), 10);
        c.onKey(key(KeyType.Enter), Fixtures.state(), 10);
        vs.render(Fixtures.state(), NOW).save("group-80x24");
        assertThat(vs.text()).contains("Group billing  Stable  WARN  2 members  lag 4,000");
        assertThat(vs.lines().get(vs.rowOf("consumer-1-abc"))).containsPattern("orders +0 +9,000 +13,000 +4,000 +42s WARN +consumer-1-abc");
        assertThat(vs.lines().get(vs.rowOf("consumer-2-def"))).containsPattern("orders +1 +6,500 +6,500 +0 +0s OK +consumer-2-def");
    }

    @Test
    void largerTerminalShowsTheSameWithRoomToSpare() {
        VirtualScreen vs = show(132, 40, new Theme(true, true));
        vs.save("overview-132x40");
        assertThat(vs.lines()).hasSize(40).allSatisfy(l -> assertThat(l).hasSize(132));
        assertThat(vs.text()).contains("1 offline, 5 under-replicated, 1 under min ISR").contains("falling behind");
        assertThat(vs.at("1 offline").getForegroundColor()).isEqualTo(RED);
        VirtualScreen parts = show(132, 40, new Theme(true, true), '3');
        controller(parts).onKey(key(KeyType.Enter), Fixtures.state(), 10);
        parts.render(Fixtures.state(), NOW).save("partitions-132x40");
        String header = parts.lines().get(parts.rowOf("LEADER"));
        assertThat(header.indexOf("START") - header.indexOf("ISR")).isGreaterThan(40);
        assertThat(parts.at("!3").getForegroundColor()).isEqualTo(RED);
    }

    @Test
    void resizeRedrawsAtTheNewSize() {
        VirtualScreen vs = show(80, 24, new Theme(true, true));
        vs.terminal.setTerminalSize(new com.googlecode.lanterna.TerminalSize(100, 30));
        vs.render(Fixtures.state(), NOW);
        assertThat(vs.lines()).hasSize(30).allSatisfy(l -> assertThat(l).hasSize(100));
        assertThat(vs.lines().get(29)).contains("q quit");
        assertThat(vs.lines().get(0).stripTrailing()).endsWith("every 2s");
    }

    @Test
    void noColorKeepsMeaningWithBoldAndUnderline() {
        VirtualScreen vs = show(80, 24, Theme.fromEnvironment(java.util.Map.of("NO_COLOR", "1")));
        vs.save("overview-nocolor-80x24");
        for (String l : vs.lines()) {
            for (int c = 0; c < l.length(); c++) {
                int row = vs.lines().indexOf(l);
                assertThat(vs.at(c, row).getForegroundColor()).isEqualTo(TextColor.ANSI.DEFAULT);
                assertThat(vs.at(c, row).getBackgroundColor()).isEqualTo(TextColor.ANSI.DEFAULT);
            }
        }
        assertThat(vs.at("1 offline").isBold()).isTrue();
        assertThat(vs.at("5 under-replicated").isUnderlined()).isTrue();
        assertThat(vs.at("0 offline".substring(0, 1)).getForegroundColor()).isEqualTo(TextColor.ANSI.DEFAULT);
        assertThat(vs.at(1, 0).isReversed()).isTrue();
        assertThat(Theme.fromEnvironment(java.util.Map.of("NO_COLOR", "")).color()).isTrue();
    }

    @Test
    void staleDataShowsTheErrorAndItsAge() {
        SnapshotPoller.State ok = Fixtures.state();
        SnapshotPoller.State failing = new SnapshotPoller.State(ok.observation(), NOW, ok.lastSuccessMs(),
                "describing the cluster: no answer from 127.0.0.1:9092 within 10 s", null, 2000, false, null);
        VirtualScreen vs = new VirtualScreen(80, 24, new Theme(true, true)).render(failing, ok.lastSuccessMs() + 65_000);
        vs.save("stale-80x24");
        assertThat(vs.lines().get(2)).startsWith("! data 1m05s old, retrying: describing the cluster: no answer from");
        assertThat(vs.at(0, 2).getForegroundColor()).isEqualTo(RED);
        assertThat(vs.text()).contains("1 offline, 5 under-replicated");

        SnapshotPoller.State never = new SnapshotPoller.State(null, NOW, -1, "describing the cluster: connection refused", null, 2000, false, null);
        VirtualScreen empty = new VirtualScreen(80, 24, new Theme(true, true)).render(never, NOW);
        assertThat(empty.lines().get(2)).startsWith("! no data yet, retrying: describing the cluster: connection refused");
        SnapshotPoller.State first = new SnapshotPoller.State(null, -1, -1, null, null, 2000, false, null);
        assertThat(new VirtualScreen(80, 24, new Theme(true, true)).render(first, NOW).text())
                .contains("connecting to 127.0.0.1:9092").contains("waiting for the first snapshot");
        SnapshotPoller.Observation partial = new SnapshotPoller.Observation(ok.observation().snapshot().withWarnings(List.of(
                "describing the log dirs of broker 3: no answer from 127.0.0.1:9092 within 10 s")), ok.observation().rates(), ok.observation().trend(),
                ok.observation().lags());
        VirtualScreen warned = new VirtualScreen(80, 24, new Theme(true, true))
                .render(new SnapshotPoller.State(partial, NOW, NOW, null, null, 2000, false, null), NOW);
        assertThat(warned.lines().get(2)).startsWith("! describing the log dirs of broker 3: no answer");
        assertThat(warned.at(0, 2).getForegroundColor()).isEqualTo(YELLOW);
        SnapshotPoller.State paused = new SnapshotPoller.State(ok.observation(), ok.lastAttemptMs(), ok.lastSuccessMs(), null, null, 2000, true, null);
        assertThat(new VirtualScreen(80, 24, new Theme(true, true)).render(paused, NOW).lines().get(2)).startsWith("PAUSED  data from");
    }

    @Test
    void keysDriveViewsSortPauseIntervalTailHelpAndQuit() {
        VirtualScreen vs = new VirtualScreen(80, 24, new Theme(true, true));
        Controller c = controller(vs);
        SnapshotPoller.State st = Fixtures.state();
        c.onKey(key(KeyType.Tab), st, 10);
        assertThat(vs.ui.page).isEqualTo(ScreenState.Page.BROKERS);
        c.onKey(key(KeyType.ReverseTab), st, 10);
        c.onKey(key(KeyType.ReverseTab), st, 10);
        assertThat(vs.ui.page).isEqualTo(ScreenState.Page.TAIL);
        c.onKey(key('3'), st, 10);
        c.onKey(key('s'), st, 10);
        assertThat(vs.render(st, NOW).text()).contains("TOPIC*");
        c.onKey(key('s'), st, 10);
        c.onKey(key('s'), st, 10);
        c.onKey(key('s'), st, 10);
        c.onKey(key('s'), st, 10);  // IN/s, largest first
        vs.render(st, NOW);
        assertThat(vs.rowOf("orders ")).isLessThan(vs.rowOf("payments "));
        c.onKey(key('j'), st, 10);
        c.onKey(key('t'), st, 10);
        assertThat(vs.ui.page).isEqualTo(ScreenState.Page.TAIL);
        assertThat(vs.ui.tailTopic).isEqualTo("payments");
        c.onKey(key('p'), st, 10);
        c.onKey(key('+'), st, 10);
        c.onKey(key('-'), st, 10);
        assertThat(pollerCalls).contains("tail TailRequest[topic=payments, partition=-1, count=50, filter=]", "paused true", "interval 1", "interval -1");
        c.onKey(key('?'), st, 10);
        assertThat(vs.render(st, NOW).text()).as("every key and the views line fit at 80x24")
                .contains("Views: 1 Overview").contains("f          Tail: find text")
                .contains("Keys (any key closes this)").contains("q, Ctrl-C  quit")
                .contains("/          filter rows by name").contains("o          seek the selected group").contains("i          show / hide internal");
        c.onKey(key('x'), st, 10);
        assertThat(vs.ui.help).isFalse();
        assertThat(vs.ui.quit).isFalse();
        c.onKey(new KeyStroke('c', true, false), st, 10);
        assertThat(vs.ui.quit).isTrue();
    }

    @Test
    void tailShowsRecordsNewestLast() {
        SnapshotPoller.State ok = Fixtures.state();
        SnapshotPoller.TailRequest req = new SnapshotPoller.TailRequest("orders", 0, 50);
        SnapshotPoller.TailResult result = new SnapshotPoller.TailResult(req, NOW, List.of(
                new io.sluice.ops.Records.Incoming("orders", 0, 41, Fixtures.T0, "k1".getBytes(), "{\"id\":1}".getBytes(),
                        List.of(new org.apache.kafka.common.header.internals.RecordHeader("trace", "abc".getBytes()))),
                new io.sluice.ops.Records.Incoming("orders", 0, 42, Fixtures.T0 + 1000, null, new byte[]{0, (byte) 0xff}, List.of())), null);
        SnapshotPoller.State st = new SnapshotPoller.State(ok.observation(), NOW, NOW, null, null, 2000, false, result);
        VirtualScreen vs = new VirtualScreen(80, 24, new Theme(true, true));
        vs.ui.page = ScreenState.Page.TAIL;
        vs.ui.tailTopic = "orders";
        vs.ui.tailPartition = 0;
        vs.ui.position().follow = true;
        vs.render(st, NOW).save("tail-80x24");
        assertThat(vs.at(0, vs.rowOf(" 42 ")).getBackgroundColor()).as("the newest record is selected").isEqualTo(TextColor.ANSI.CYAN);
        controller(vs).onKey(key('k'), st, 10);
        assertThat(vs.ui.position().follow).isFalse();
        vs.render(st, NOW);
        assertThat(vs.at(0, vs.rowOf("k1")).getBackgroundColor()).isEqualTo(TextColor.ANSI.CYAN);
        assertThat(vs.text()).contains("Tail orders partition 0");
        assertThat(vs.lines().get(vs.rowOf("k1"))).containsPattern("0 +41 22:13:20 k1 +\\{\"id\":1\\} +trace=abc");
        assertThat(vs.lines().get(vs.rowOf(" 42 "))).containsPattern("0 +42 22:13:21 null +0x00ff +-");
        assertThat(vs.rowOf("k1")).isLessThan(vs.rowOf(" 42 "));
    }

    private void type(Controller c, SnapshotPoller.State st, String text) {
        for (char ch : text.toCharArray()) {
            c.onKey(key(ch), st, 10);
        }
    }

    @Test
    void tailFiltersRecordsWithTheConsumeLanguageAndFindsText() {
        SnapshotPoller.State ok = Fixtures.state();
        VirtualScreen vs = new VirtualScreen(80, 24, new Theme(true, true));
        vs.ui.page = ScreenState.Page.TAIL;
        vs.ui.tailTopic = "orders";
        vs.ui.tailPartition = 0;
        Controller c = controller(vs);

        c.onKey(key('/'), ok, 10);
        type(c, ok, "vaule == 1");
        c.onKey(key(KeyType.Enter), ok, 10);
        assertThat(vs.ui.filterInput).as("a filter that does not parse stays open").isNotNull();
        vs.render(ok, NOW);
        int keyRow = vs.lines().size() - 1;
        assertThat(vs.lines().get(keyRow)).contains("/vaule == 1_").contains("unknown field 'vaule' (did you mean value?)");
        assertThat(vs.at(0, keyRow).getForegroundColor()).isEqualTo(RED);
        for (int i = 0; i < "vaule == 1".length(); i++) {
            c.onKey(key(KeyType.Backspace), ok, 10);
        }
        type(c, ok, "value.id == 1 or header.trace");
        c.onKey(key(KeyType.Enter), ok, 10);
        assertThat(vs.ui.filterInput).isNull();
        assertThat(pollerCalls).last().isEqualTo("tail TailRequest[topic=orders, partition=0, count=50, filter=value.id == 1 or header.trace]");

        SnapshotPoller.TailRequest req = new SnapshotPoller.TailRequest("orders", 0, 50, vs.ui.tailFilter);
        SnapshotPoller.TailResult result = new SnapshotPoller.TailResult(req, NOW, List.of(
                new io.sluice.ops.Records.Incoming("orders", 0, 7, Fixtures.T0, "k1".getBytes(), "{\"id\":1}".getBytes(), List.of()),
                new io.sluice.ops.Records.Incoming("orders", 0, 41, Fixtures.T0 + 500, "k2".getBytes(), "{\"id\":2}".getBytes(),
                        List.of(new org.apache.kafka.common.header.internals.RecordHeader("trace", "abc".getBytes())))), null, 500);
        SnapshotPoller.State st = new SnapshotPoller.State(ok.observation(), NOW, NOW, null, null, 2000, false, result);
        vs.render(st, NOW).save("tail-filtered-80x24");
        assertThat(vs.text()).contains("Tail orders partition 0  2 of 500 match  filter value.id == 1 or header");
        assertThat(vs.at("filter value.id").getForegroundColor()).isEqualTo(YELLOW);

        c.onKey(key('f'), st, 10);
        type(c, st, "ABC");
        c.onKey(key(KeyType.Enter), st, 10);
        vs.render(st, NOW);
        assertThat(vs.at(0, vs.rowOf("k2")).getBackgroundColor()).as("find selects the record holding the text").isEqualTo(TextColor.ANSI.CYAN);
        assertThat(vs.ui.position().follow).isFalse();
        c.onKey(key('k'), st, 10);
        c.onKey(key('n'), st, 10);
        vs.render(st, NOW);
        assertThat(vs.at(0, vs.rowOf("k2")).getBackgroundColor()).as("n finds it again").isEqualTo(TextColor.ANSI.CYAN);
        c.onKey(key('f'), st, 10);
        c.onKey(key(KeyType.Escape), st, 10);
        assertThat(vs.ui.find).isEmpty();

        // A result for another filter is not shown as this one's.
        c.onKey(key('/'), st, 10);
        c.onKey(key(KeyType.Escape), st, 10);
        assertThat(vs.ui.tailFilter.matchesAll()).isTrue();
        assertThat(pollerCalls).last().isEqualTo("tail TailRequest[topic=orders, partition=0, count=50, filter=]");
        assertThat(vs.render(st, NOW).text()).contains("reading...").doesNotContain("k2");
    }

    @Test
    void pagingScrollsLongTablesAndKeepsTheSelectionVisible() {
        List<io.sluice.ops.ClusterSnapshot.Topic> topics = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            topics.add(io.sluice.ops.ClusterSnapshot.Topic.of(String.format(java.util.Locale.ROOT, "topic-%02d", i), false, 1,
                    List.of(io.sluice.ops.ClusterSnapshot.Partition.of(0, 1, List.of(1), List.of(1), 1, 0, i, i * 100L))));
        }
        io.sluice.ops.ClusterSnapshot s = io.sluice.ops.ClusterSnapshot.of(Fixtures.T0, "c", 1,
                List.of(new io.sluice.ops.ClusterSnapshot.Node(1, "h", 9092, null)), java.util.Map.of(), topics, List.of());
        SnapshotPoller.State st = new SnapshotPoller.State(SnapshotPoller.Observation.first(s), Fixtures.T0, Fixtures.T0, null, null, 2000,
                false, null);
        VirtualScreen vs = new VirtualScreen(80, 24, new Theme(true, true));
        Controller c = controller(vs);
        c.onKey(key('3'), st, 18);
        vs.render(st, Fixtures.T0);
        assertThat(vs.text()).contains("1-18/40").contains("topic-00").doesNotContain("topic-18");
        c.onKey(key(KeyType.PageDown), st, 18);
        vs.render(st, Fixtures.T0);
        assertThat(vs.text()).contains("2-19/40").contains("topic-18");
        assertThat(vs.at(0, vs.rowOf("topic-18")).getBackgroundColor()).isEqualTo(TextColor.ANSI.CYAN);
        c.onKey(key(KeyType.End), st, 18);
        vs.render(st, Fixtures.T0);
        assertThat(vs.text()).contains("23-40/40").contains("topic-39");
        c.onKey(key(KeyType.Home), st, 18);
        vs.render(st, Fixtures.T0);
        assertThat(vs.text()).contains("1-18/40");
        assertThat(vs.at(0, vs.rowOf("topic-00")).getBackgroundColor()).isEqualTo(TextColor.ANSI.CYAN);
        // sorting by size (largest first) keeps the selected topic selected
        c.onKey(key(KeyType.End), st, 18);
        for (int i = 0; i < 6; i++) {
            c.onKey(key('s'), st, 18);
        }
        vs.render(st, Fixtures.T0);
        assertThat(vs.text()).contains("SIZE*");
        assertThat(vs.lines().get(Dashboard.BODY_TOP + 2)).startsWith("topic-39");
        assertThat(vs.at(0, Dashboard.BODY_TOP + 2).getBackgroundColor()).isEqualTo(TextColor.ANSI.CYAN);
    }

    @Test
    void groupsSortByLagStatusWorstFirst() {
        VirtualScreen vs = show(80, 24, new Theme(true, true), '5', 's', 's', 's');
        assertThat(vs.text()).contains("STATUS*");
        assertThat(vs.rowOf("billing ")).as("WARN before OK").isLessThan(vs.rowOf("audit "));
    }

    @Test
    void enterOnTheOverviewListsEachPartitionWorstFirstAndInternalTopicsOnRequest() {
        VirtualScreen vs = show(80, 24, new Theme(true, true));
        Controller c = controller(vs);
        c.onKey(key(KeyType.Enter), Fixtures.state(), 10);
        assertThat(vs.ui.page).isEqualTo(ScreenState.Page.PROBLEMS);
        vs.render(Fixtures.state(), NOW).save("problems-80x24");
        assertThat(vs.lines().get(1)).contains("1 Problems");
        assertThat(vs.text()).contains("Problems  3 partitions  !N = replica out of ISR  1 internal hidden (i)")
                .doesNotContain("__consumer_offsets-");
        assertThat(vs.lines().get(vs.rowOf("orders-2 "))).containsPattern("orders-2 +offline +none +3 +!3 +broker 3 down");
        assertThat(vs.rowOf("orders-2 ")).as("offline first").isLessThan(vs.rowOf("orders-0 "));
        assertThat(vs.lines().get(vs.rowOf("orders-0 "))).containsPattern("orders-0 +under-replicated +1 +1,2,3 +1,2,!3 +broker 3 down");
        assertThat(vs.at("offline").getForegroundColor()).isEqualTo(RED);

        c.onKey(key('i'), Fixtures.state(), 10);
        vs.render(Fixtures.state(), NOW);
        assertThat(vs.text()).contains("Problems  6 partitions").contains("internal shown (i)");
        assertThat(vs.rowOf("__consumer_offsets-0 ")).as("user topics first").isGreaterThan(vs.rowOf("orders-1 "));

        c.onKey(key('j'), Fixtures.state(), 10);
        c.onKey(key('t'), Fixtures.state(), 10);
        assertThat(vs.ui.page).isEqualTo(ScreenState.Page.TAIL);
        assertThat(pollerCalls).contains("tail TailRequest[topic=orders, partition=0, count=50, filter=]");

        c.onKey(key('3'), Fixtures.state(), 10);
        assertThat(vs.render(Fixtures.state(), NOW).text()).as("i holds on every page").contains("__consumer_offsets");
        c.onKey(key('i'), Fixtures.state(), 10);
        assertThat(vs.render(Fixtures.state(), NOW).text()).doesNotContain("__consumer_offsets").contains("1 internal hidden (i)");
    }

    @Test
    void internalTopicsAreHiddenOnEveryPageUntilI() {
        VirtualScreen topics = show(80, 24, new Theme(true, true), '3');
        assertThat(topics.text()).contains("Topics  2 topics, 5 partitions  1 internal hidden (i)").doesNotContain("__consumer_offsets");
        VirtualScreen placement = show(80, 24, new Theme(true, true), '4');
        placement.save("placement-80x24");
        assertThat(placement.text()).doesNotContain("__consumer_offsets");
        assertThat(placement.lines().get(Dashboard.BODY_TOP + 2)).as("the first row is a user topic").startsWith("orders-0");
        VirtualScreen shown = show(80, 24, new Theme(true, true), '4', 'i');
        assertThat(shown.text()).contains("__consumer_offsets-0").contains("internal shown (i)");
        int b1 = shown.lines().get(shown.rowOf("PARTITION")).indexOf("B1");
        assertThat(shown.at(b1, shown.rowOf("leaders")).getCharacterString()).as("the totals follow the rows shown").isEqualTo("4");
    }

    @Test
    void seekingAGroupShowsThePlanAndAppliesItOnlyOnY() {
        VirtualScreen vs = show(80, 24, new Theme(true, true), '5', 'j');
        Controller c = controller(vs);
        SnapshotPoller.State st = Fixtures.state();
        c.onKey(key('o'), st, 10);
        for (char ch : "soon".toCharArray()) {
            c.onKey(key(ch), st, 10);
        }
        c.onKey(key(KeyType.Enter), st, 10);
        assertThat(actionCalls).as("a bad target is refused before the cluster is asked").isEmpty();
        assertThat(vs.render(st, NOW).text()).contains("Seek group billing").contains("--to soon: expected start, end");
        for (int i = 0; i < 4; i++) {
            c.onKey(key(KeyType.Backspace), st, 10);
        }
        for (char ch : "start".toCharArray()) {
            c.onKey(key(ch), st, 10);
        }
        c.onKey(key(KeyType.Enter), st, 10);
        assertThat(actionCalls).containsExactly("plan seek billing to start");
        assertThat(vs.render(st, NOW).text()).contains("planning: reading the committed and end offsets ...");
        c.onKey(key('q'), st, 10);
        assertThat(vs.ui.quit).as("keys wait while the cluster is asked").isFalse();
        io.sluice.ops.OffsetSeek.Plan plan = new io.sluice.ops.OffsetSeek.Plan("billing", "start", false, List.of(
                new io.sluice.ops.OffsetSeek.Move("orders", 0, 9_000, 0, -9_000), new io.sluice.ops.OffsetSeek.Move("orders", 1, 6_500, 10, -6_490)));
        seekCallbacks.remove(0).accept(new Controller.Outcome<>(plan, null));
        vs.render(st, NOW).save("seek-plan-80x24");
        assertThat(vs.text()).contains("move 2 partition(s) of billing to start:").contains("orders-0  9,000 -> 0  re-read 9,000")
                .contains("orders-1  6,500 -> 10  re-read 6,490").contains("y: do it   any other key: cancel");

        c.onKey(key('n'), st, 10);
        assertThat(vs.ui.dialog).isNull();
        assertThat(actionCalls).as("anything but y cancels").hasSize(1);

        c.onKey(key('o'), st, 10);
        for (char ch : "start".toCharArray()) {
            c.onKey(key(ch), st, 10);
        }
        c.onKey(key(KeyType.Enter), st, 10);
        seekCallbacks.remove(0).accept(new Controller.Outcome<>(plan, null));
        c.onKey(key('y'), st, 10);
        assertThat(actionCalls).containsExactly("plan seek billing to start", "plan seek billing to start", "execute seek billing 2 moves");
        seekCallbacks.remove(0).accept(new Controller.Outcome<>(null, "group billing has 2 active member(s); stop its consumers before "
                + "moving its offsets"));
        assertThat(vs.render(st, NOW).text()).contains("group billing has 2 active member(s)");
        assertThat(vs.at("group billing has").getForegroundColor()).isEqualTo(RED);
        c.onKey(key('x'), st, 10);
        assertThat(vs.ui.dialog).as("any key closes the outcome").isNull();
        assertThat(vs.ui.page).isEqualTo(ScreenState.Page.GROUPS);
    }

    @Test
    void electingPreferredLeadersListsThePartitionsFirst() {
        SnapshotPoller.State st = Fixtures.state();
        VirtualScreen vs = show(80, 24, new Theme(true, true), '4');
        Controller c = controller(vs);
        c.onKey(key('e'), st, 10);
        assertThat(vs.render(st, NOW).text()).as("__consumer_offsets-2's preferred replica is down: nothing to elect")
                .contains("nothing to do: every partition is led by its preferred replica");
        assertThat(actionCalls).isEmpty();
        c.onKey(key(KeyType.Escape), st, 10);

        io.sluice.ops.ClusterSnapshot base = st.observation().snapshot();
        io.sluice.ops.ClusterSnapshot.Topic moved = io.sluice.ops.ClusterSnapshot.Topic.of("payments", false, 1, List.of(
                io.sluice.ops.ClusterSnapshot.Partition.of(0, 1, List.of(1, 2), List.of(1, 2), 1, 0, 500, 51_000),
                io.sluice.ops.ClusterSnapshot.Partition.of(1, 1, List.of(2, 1), List.of(2, 1), 1, 0, 700, 72_000)));
        List<io.sluice.ops.ClusterSnapshot.Topic> topics = new ArrayList<>(base.topics());
        topics.replaceAll(t -> t.name().equals("payments") ? moved : t);
        io.sluice.ops.ClusterSnapshot s = io.sluice.ops.ClusterSnapshot.of(base.takenAtMs(), base.clusterId(), 1,
                List.of(new io.sluice.ops.ClusterSnapshot.Node(1, "10.0.0.1", 9092, "rack-a"), new io.sluice.ops.ClusterSnapshot.Node(2, "10.0.0.2", 9092, "rack-b")),
                java.util.Map.of(), topics, base.groups());
        SnapshotPoller.State skewed = new SnapshotPoller.State(SnapshotPoller.Observation.first(s), NOW, NOW, null, null, 2000, false, null);
        c.onKey(key('e'), skewed, 10);
        assertThat(vs.render(skewed, NOW).text()).contains("hand 1 partition(s) back to their preferred replica")
                .contains("payments-1  leader 1 -> 2");
        c.onKey(key('y'), skewed, 10);
        assertThat(actionCalls).containsExactly("elect [payments-1]");
        electCallbacks.remove(0).accept(new Controller.Outcome<>(List.of(new io.sluice.ops.Partitions.ElectionResult("payments", 1, null)), null));
        assertThat(vs.render(skewed, NOW).text()).contains("1 elected, 0 not needed, 0 failed");
        assertThat(vs.at("1 elected").getForegroundColor()).isEqualTo(GREEN);
    }

    @Test
    void tFromAGroupsPartitionOrAPlacementRowTailsThatPartition() {
        VirtualScreen vs = show(80, 24, new Theme(true, true), '5', 'j');
        Controller c = controller(vs);
        c.onKey(key(KeyType.Enter), Fixtures.state(), 10);
        c.onKey(key('j'), Fixtures.state(), 10);
        c.onKey(key('t'), Fixtures.state(), 10);
        assertThat(vs.ui.page).isEqualTo(ScreenState.Page.TAIL);
        assertThat(pollerCalls).contains("tail TailRequest[topic=orders, partition=1, count=50, filter=]");
        c.onKey(key('4'), Fixtures.state(), 10);
        for (int i = 0; i < 3; i++) {
            c.onKey(key('j'), Fixtures.state(), 10);
        }
        c.onKey(key('t'), Fixtures.state(), 10);
        assertThat(pollerCalls).contains("tail TailRequest[topic=payments, partition=0, count=50, filter=]");
    }
}
