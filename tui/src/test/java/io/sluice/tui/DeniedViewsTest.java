package io.sluice.tui;

import io.sluice.ops.ClusterSnapshot;
import io.sluice.ops.SnapshotPoller;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the ACLs hide shows on the view it belongs to, as a state in red; an authentication failure fills the body. */
@Timeout(30)
class DeniedViewsTest {
    static final long NOW = DashboardRenderTest.NOW;

    private static VirtualScreen render(SnapshotPoller.State st, char... keys) {
        VirtualScreen vs = new VirtualScreen(120, 30, new Theme(true, true));
        Controller c = new DashboardRenderTest().controller(vs);
        for (char k : keys) {
            c.onKey(DashboardRenderTest.key(k), st, 10);
        }
        return vs.render(st, NOW);
    }

    private static SnapshotPoller.State denied(List<ClusterSnapshot.Denied> denied, boolean noGroups) {
        SnapshotPoller.State ok = Fixtures.state();
        ClusterSnapshot s = ok.observation().snapshot();
        if (noGroups) {
            s = new ClusterSnapshot(s.takenAtMs(), s.clusterId(), s.controllerId(), s.summary(), s.brokers(), s.topics(), List.of(),
                    s.warnings(), s.denied(), s.quorum());
        }
        SnapshotPoller.Observation o = new SnapshotPoller.Observation(s.withDenied(denied), ok.observation().rates(),
                ok.observation().trend(), ok.observation().lags());
        return new SnapshotPoller.State(o, NOW, NOW, null, null, 2000, false, null);
    }

    @Test
    void aDeniedViewSaysSoInItsTitleAndInsteadOfAnEmptyTable() {
        SnapshotPoller.State st = denied(List.of(new ClusterSnapshot.Denied("groups",
                "describing group app: not allowed to DESCRIBE group app (ACLs; see sluice acl list) (group not shown)")), true);
        VirtualScreen groups = render(st, '5');
        assertThat(groups.text()).contains("not allowed to DESCRIBE group app (ACLs)")
                .contains("describing group app: not allowed to DESCRIBE group app (ACLs; see sluice acl list)").doesNotContain("no consumer groups");
        int row = groups.lines().stream().filter(l -> l.contains("not allowed to DESCRIBE group app (ACLs)")).findFirst()
                .map(groups.lines()::indexOf).orElseThrow();
        int col = groups.lines().get(row).indexOf("not allowed to DESCRIBE group app (ACLs)");
        assertThat(groups.at(col, row).getForegroundColor()).isEqualTo(DashboardRenderTest.RED);
        assertThat(render(st, '1').text()).as("other views are not marked").doesNotContain("not allowed");
    }

    @Test
    void deniedPartsOfAViewWithRowsKeepTheRowsAndCountTheRest() {
        SnapshotPoller.State st = denied(List.of(
                new ClusterSnapshot.Denied("brokers", "describing the log dirs of broker 1: not allowed to DESCRIBE the cluster (ACLs on the cluster resource; see sluice acl list --cluster); log sizes not shown"),
                new ClusterSnapshot.Denied("brokers", "second")), false);
        VirtualScreen brokers = render(st, '2');
        assertThat(brokers.text()).contains("not allowed to DESCRIBE the cluster (ACLs) (+1 more)").contains("6.1 MiB");
        assertThat(Dashboard.withDenied(new Table(List.of(), List.of(), List.of(), List.of(), "empty"), st.observation().snapshot().denied("brokers"))
                .empty()).endsWith("log sizes not shown");
        String report = TextReport.render(st.observation().snapshot(), "127.0.0.1:9093", 120);
        assertThat(report).contains("not allowed (ACLs), brokers: describing the log dirs of broker 1: not allowed to DESCRIBE the cluster");
    }

    @Test
    void anAuthenticationFailureBeforeAnyDataFillsTheBody() {
        String error = "listing topics: authentication failed: the cluster refused the password of user alice (SCRAM-SHA-256)";
        VirtualScreen vs = new VirtualScreen(120, 30, new Theme(true, true))
                .render(new SnapshotPoller.State(null, NOW, -1, error, null, 2000, false, null), NOW);
        assertThat(vs.text().replace("\n", "")).contains("cannot read the cluster: " + error);
    }
}
