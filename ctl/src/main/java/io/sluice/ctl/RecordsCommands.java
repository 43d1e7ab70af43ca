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

/** {@code sluice records delete TOPIC --before OFFSET [--execute]}. */
@Command(name = "records", description = "Delete records at the head of a topic.", subcommands = RecordsCommands.Delete.class)
final class RecordsCommands {

    @Command(name = "delete", footerHeading = Output.JSON_HEADING,
        footer = "{\"topic\", \"executed\", \"partitions\": [{\"partition\", \"logStartOffset\", \"logEndOffset\", "
                + "\"newLogStartOffset\", \"records\"}], \"logStartOffsets\": {PARTITION: OFFSET}}; partitions is the plan, "
                + "logStartOffsets (with --execute) what the cluster answered.",
        description = {"Move every partition's log start offset to OFFSET (records below it are gone for good).",
                "Prints the plan (records removed per partition); deletes only with --execute (or --yes, as before). "
                        + "There is no rollback file: deleted records cannot come back."})
    static final class Delete extends BaseCommand {
        @Parameters(paramLabel = "TOPIC")
        String topic;

        @Option(names = "--before", required = true, paramLabel = "OFFSET", description = "Offset to keep from; 'end' deletes everything")
        String before;

        @picocli.CommandLine.Mixin
        ExecuteOptions execution = new ExecuteOptions();

        @Option(names = "--yes", description = "Same as --execute (the confirmation this command took before it showed a plan)")
        boolean yes;

        @Override
        public Integer call() {
            boolean execute = execution.apply(spec) || yes;
            if (yes && execution.dryRun) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--yes and --dry-run exclude each other");
            }
            long offset;
            try {
                offset = before.equals("end") ? -1 : Long.parseLong(before);
            } catch (NumberFormatException e) {
                throw new OpsException(OpsException.Kind.USAGE, "--before " + before + ": expected an offset or 'end'", e);
            }
            try (ClusterConnection c = globals().connect()) {
                List<Topics.RecordsDeletion> plan = Topics.deleteRecordsPlan(c, topic, offset);
                Map<Integer, Long> starts = execute ? Topics.deleteRecords(c, topic, plan) : null;
                Output out = output();
                if (out.structured()) {
                    Map<String, Object> m = new java.util.LinkedHashMap<>();
                    m.put("topic", topic);
                    m.put("executed", execute);
                    m.put("partitions", plan);
                    m.put("logStartOffsets", starts);
                    out.object(m);
                    return ExitCodes.OK;
                }
                List<List<String>> rows = new ArrayList<>();
                plan.forEach(d -> rows.add(List.of(String.valueOf(d.partition()), String.valueOf(d.logStartOffset()),
                        String.valueOf(d.logEndOffset()), String.valueOf(starts == null ? d.newLogStartOffset() : starts.get(d.partition())),
                        String.valueOf(d.records()))));
                out.table(List.of("PARTITION", "LOG-START", "LOG-END", "NEW-LOG-START", "RECORDS"), rows);
                long total = plan.stream().mapToLong(Topics.RecordsDeletion::records).sum();
                if (out.headers()) {
                    out.line(execute ? total + " records of " + topic + " deleted"
                            : "dry run: nothing changed; --execute deletes these " + total + " records for good");
                }
                return ExitCodes.OK;
            }
        }
    }

    private RecordsCommands() {
    }
}
