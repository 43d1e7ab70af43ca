package io.sluice.ctl;

import io.sluice.ops.SegmentDump;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code sluice log dump|verify PATH}: offline reading of segment files (a .log file or a partition directory). */
@Command(name = "log", description = "Read segment files offline (a .log file or a partition directory).",
        subcommands = {LogCommands.Dump.class, LogCommands.Verify.class})
final class LogCommands {

    @Command(name = "dump", footerHeading = Output.JSON_HEADING,
        footer = "An array of {\"file\", \"batches\": [{\"baseOffset\", \"lastOffset\", \"records\", \"position\", "
                + "\"sizeBytes\", \"crcValid\", \"compression\", \"maxTimestamp\", \"producerId\"}], \"trailingBytes\", "
                + "\"valid\"}.",
        description = "Every batch: offsets, record count, position, size, CRC, codec, max timestamp, producer id.")
    static final class Dump extends BaseCommand {
        @Parameters(paramLabel = "PATH")
        Path path;

        @Override
        public Integer call() {
            List<SegmentDump.Segment> segments = SegmentDump.read(path);
            Output out = output();
            if (out.structured()) {
                out.object(segments);
                return ExitCodes.OK;
            }
            for (SegmentDump.Segment s : segments) {
                out.line(s.file());
                List<List<String>> rows = new ArrayList<>();
                for (SegmentDump.Batch b : s.batches()) {
                    rows.add(List.of(String.valueOf(b.baseOffset()), String.valueOf(b.lastOffset()), String.valueOf(b.records()),
                            String.valueOf(b.position()), String.valueOf(b.sizeBytes()), b.crcValid() ? "ok" : "BAD", b.compression(),
                            String.valueOf(b.maxTimestamp()), String.valueOf(b.producerId())));
                }
                out.table(List.of("BASE", "LAST", "RECORDS", "POSITION", "SIZE", "CRC", "CODEC", "MAX-TIMESTAMP", "PRODUCER"), rows);
                if (s.trailingBytes() != 0) {
                    out.line(s.trailingBytes() < 0 ? "unreadable batch framing" : s.trailingBytes() + " bytes after the last whole batch (torn tail)");
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "verify", footerHeading = Output.JSON_HEADING,
        footer = "An array of {\"file\", \"batches\", \"trailingBytes\", \"valid\"}.",
        description = "Check every batch's CRC and framing; exits 1 when a segment is damaged.")
    static final class Verify extends BaseCommand {
        @Parameters(paramLabel = "PATH")
        Path path;

        @Override
        public Integer call() {
            List<SegmentDump.Segment> segments = SegmentDump.read(path);
            boolean ok = segments.stream().allMatch(SegmentDump.Segment::valid);
            Output out = output();
            if (out.structured()) {
                List<Map<String, Object>> rows = new ArrayList<>();
                segments.forEach(s -> rows.add(Map.of("file", s.file(), "batches", s.batches().size(), "trailingBytes", s.trailingBytes(), "valid", s.valid())));
                out.object(rows);
            } else {
                List<List<String>> rows = new ArrayList<>();
                segments.forEach(s -> rows.add(List.of(s.file(), String.valueOf(s.batches().size()), String.valueOf(s.trailingBytes()),
                        s.valid() ? "ok" : "DAMAGED")));
                out.table(List.of("FILE", "BATCHES", "TRAILING-BYTES", "STATUS"), rows);
            }
            return ok ? ExitCodes.OK : ExitCodes.ERROR;
        }
    }

    private LogCommands() {
    }
}
