package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.OpsException;
import io.sluice.ops.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code sluice records delete TOPIC --before OFFSET --yes}. */
@Command(name = "records", description = "Delete records at the head of a topic.", subcommands = RecordsCommands.Delete.class)
final class RecordsCommands {

    @Command(name = "delete", footerHeading = Output.JSON_HEADING,
        footer = "{\"topic\", \"logStartOffsets\": {PARTITION: OFFSET}}",
        description = "Move every partition's log start offset to OFFSET (records below it are gone).")
    static final class Delete extends BaseCommand {
        @Parameters(paramLabel = "TOPIC")
        String topic;

        @Option(names = "--before", required = true, paramLabel = "OFFSET", description = "Offset to keep from; 'end' deletes everything")
        String before;

        @Option(names = "--yes", description = "Confirm: deleted records cannot be recovered")
        boolean yes;

        @Override
        public Integer call() {
            if (!yes) {
                throw new OpsException(OpsException.Kind.USAGE, "deleting records cannot be undone: add --yes to confirm");
            }
            long offset;
            try {
                offset = before.equals("end") ? -1 : Long.parseLong(before);
            } catch (NumberFormatException e) {
                throw new OpsException(OpsException.Kind.USAGE, "--before " + before + ": expected an offset or 'end'", e);
            }
            try (ClusterConnection c = globals().connect()) {
                Map<Integer, Long> starts = Topics.deleteRecordsBefore(c, topic, offset);
                Output out = output();
                if (out.structured()) {
                    out.object(Map.of("topic", topic, "logStartOffsets", starts));
                } else {
                    List<List<String>> rows = new ArrayList<>();
                    starts.forEach((p, o) -> rows.add(List.of(String.valueOf(p), String.valueOf(o))));
                    out.table(List.of("PARTITION", "LOG-START"), rows);
                }
                return ExitCodes.OK;
            }
        }
    }

    private RecordsCommands() {
    }
}
