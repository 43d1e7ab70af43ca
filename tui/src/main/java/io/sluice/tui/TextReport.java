package io.sluice.tui;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.BasicTextImage;
import com.googlecode.lanterna.graphics.TextGraphics;
import io.sluice.ops.ClusterRates;
import io.sluice.ops.ClusterSnapshot;
import io.sluice.ops.LagTrend;
import io.sluice.ops.SnapshotPoller;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code sluice top --once -o text}: the dashboard's pages for one snapshot as plain text, each as tall as its content
 * (overview, brokers, topics, placement, groups, then each group's partitions). Rates need two snapshots, so they show
 * "-". Stateless.
 */
public final class TextReport {
    private TextReport() {
    }

    public static String render(ClusterSnapshot snapshot, String bootstrap, int width) {
        Theme theme = new Theme(false, false);
        SnapshotPoller.Observation o = SnapshotPoller.Observation.first(snapshot);
        SnapshotPoller.State st = new SnapshotPoller.State(o, snapshot.takenAtMs(), snapshot.takenAtMs(), null, null, 0, false, null);
        Dashboard dashboard = new Dashboard(bootstrap, theme, ZoneId.systemDefault());
        StringBuilder out = new StringBuilder();
        out.append("sluice top  ").append(bootstrap).append("  cluster ").append(snapshot.clusterId()).append("  at ")
                .append(java.time.Instant.ofEpochMilli(snapshot.takenAtMs())).append("\n");
        snapshot.warnings().forEach(w -> out.append("warning: ").append(w).append('\n'));
        snapshot.denied().forEach(d -> out.append("not allowed (ACLs), ").append(d.view()).append(": ").append(d.message()).append('\n'));
        out.append('\n');
        int overviewRows = 12 + (int) snapshot.topics().stream().flatMap(t -> t.partitions().stream())
                .filter(ClusterSnapshot.Partition::needsAttention).count()
                + 2 * Math.max(snapshot.topics().size(), snapshot.groups().size());
        TextImageBuffer overview = new TextImageBuffer(width, overviewRows);
        OverviewView.draw(overview.graphics(), theme, o, 0, 0, width, overviewRows);
        out.append(overview.text()).append('\n');
        List<ScreenState.Page> pages = new ArrayList<>(List.of(ScreenState.Page.BROKERS, ScreenState.Page.TOPICS,
                ScreenState.Page.PLACEMENT, ScreenState.Page.GROUPS));
        ScreenState ui = new ScreenState();
        for (ScreenState.Page p : pages) {
            ui.page = p;
            out.append(table(dashboard.table(st, ui), theme, width)).append('\n');
        }
        ui.page = ScreenState.Page.GROUP;
        for (ClusterSnapshot.Group g : snapshot.groups()) {
            ui.group = g.group();
            out.append(table(dashboard.table(st, ui), theme, width)).append('\n');
        }
        return out.toString();
    }

    private static String table(Table t, Theme theme, int width) {
        int rows = 2 + Math.max(1, t.rows().size()) + t.footer().size();
        TextImageBuffer buf = new TextImageBuffer(width, rows);
        ScreenState.Position pos = new ScreenState.Position();
        TableRenderer.draw(buf.graphics(), theme, t, pos, 0, 0, width, rows, false);
        return buf.text();
    }

    /** An off-screen character grid read back as text lines with trailing blanks removed. */
    static final class TextImageBuffer {
        private final BasicTextImage image;

        TextImageBuffer(int columns, int rows) {
            image = new BasicTextImage(new TerminalSize(columns, Math.max(1, rows)));
        }

        TextGraphics graphics() {
            return image.newTextGraphics();
        }

        String text() {
            StringBuilder sb = new StringBuilder();
            TerminalSize size = image.getSize();
            List<String> lines = new ArrayList<>();
            for (int r = 0; r < size.getRows(); r++) {
                StringBuilder line = new StringBuilder();
                for (int c = 0; c < size.getColumns(); c++) {
                    line.append(image.getCharacterAt(c, r).getCharacterString());
                }
                lines.add(line.toString().stripTrailing());
            }
            while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
                lines.remove(lines.size() - 1);
            }
            lines.forEach(l -> sb.append(l).append('\n'));
            return sb.toString();
        }
    }
}
