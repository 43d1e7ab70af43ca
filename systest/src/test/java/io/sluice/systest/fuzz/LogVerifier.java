package io.sluice.systest.fuzz;

import io.sluice.ops.OpsException;
import io.sluice.ops.SegmentDump;
import org.apache.kafka.common.record.FileLogInputStream;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Checks every segment file the broker wrote, offline, as an operator would: first with the logic of
 * {@code sluice log verify} ({@link SegmentDump} in ops: CRC and framing of every batch, no torn tail), then deeper
 * with kafka-clients' own record reader: magic 2, every record readable (compressed ones decompressed), no more
 * records than the header counts, offsets inside the batch's range and rising across batches and segments, and in
 * the plain oracle topic (never compacted, its configs never changed) exactly the counted records at consecutive
 * offsets with the header's max timestamp the largest record timestamp (brokerd corrects a lying one).
 * <p>
 * Only files that changed since the last pass are read again (same file and longer: from where the last pass
 * stopped for the record walk), so the cost follows what was appended. The active segment may end in a batch being
 * written right now; a tail that does not parse is looked at again for up to 10 s before it counts.
 */
final class LogVerifier {
    /** What a file looked like when last verified. */
    private record Seen(Object fileKey, long size, long nextOffset) {
    }

    private final Path dataDir;
    private final Map<Path, Seen> seen = new HashMap<>();

    LogVerifier(Path dataDir) {
        this.dataDir = dataDir;
    }

    /** Problems found in the files that changed, empty when all is well. */
    List<String> verify() throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        for (Path dir : partitionDirs()) {
            for (Path file : segments(dir)) {
                String problem = verifyFile(dir, file);
                // An append may be in progress: a torn tail counts only if it stays torn for 10 s.
                for (int retry = 0; retry < 20 && problem != null && problem.startsWith("torn:"); retry++) {
                    Thread.sleep(500);
                    problem = verifyFile(dir, file);
                }
                if (problem != null) {
                    problems.add(file + ": " + problem);
                }
            }
        }
        return problems;
    }

    private List<Path> partitionDirs() throws IOException {
        try (Stream<Path> s = Files.list(dataDir)) {
            return s.filter(Files::isDirectory)
                    .filter(p -> p.getFileName().toString().matches(".+-\\d+"))
                    .sorted().toList();
        }
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
        } catch (NoSuchFileException gone) {
            return List.of(); // the partition was deleted meanwhile
        }
    }

    /** Null when {@code file} is fine (or vanished: retired by retention, compaction or a delete). */
    private String verifyFile(Path dir, Path file) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException gone) {
            return null;
        }
        Seen before = seen.get(file);
        if (before != null && before.fileKey().equals(attrs.fileKey()) && before.size() == attrs.size()) {
            return null;
        }
        List<SegmentDump.Segment> dumped;
        try {
            dumped = SegmentDump.read(file);
        } catch (OpsException e) {
            return Files.exists(file) ? "sluice log verify cannot read it: " + e.getMessage() : null;
        }
        SegmentDump.Segment segment = dumped.get(0);
        if (!segment.valid()) {
            String what = "sluice log verify: " + segment.batches().stream().filter(b -> !b.crcValid()).count() + " batches with a bad CRC, "
                    + (segment.trailingBytes() < 0 ? "unreadable framing" : segment.trailingBytes() + " bytes after the last whole batch");
            return segment.batches().stream().allMatch(SegmentDump.Batch::crcValid) ? "torn:" + what : what;
        }
        boolean grown = before != null && before.fileKey().equals(attrs.fileKey()) && attrs.size() > before.size();
        Walk walk = new Walk(dir.getFileName().toString().startsWith(FuzzTopics.PLAIN + "-"),
                grown ? before.nextOffset() : firstOffsetFloor(file));
        String problem = walk.run(file, grown ? before.size() : 0);
        if (problem == null) {
            seen.put(file, new Seen(attrs.fileKey(), attrs.size(), walk.next));
        }
        return problem;
    }

    /** kafka-clients' walk of one file's batches; {@code next}: the offset the next batch must start at or after. */
    private static final class Walk {
        final boolean plain;
        long next;

        Walk(boolean plain, long next) {
            this.plain = plain;
            this.next = next;
        }

        /** Walks the batches at or after byte {@code from}; null when all is well. */
        String run(Path file, long from) throws IOException {
            try (FileRecords records = FileRecords.open(file.toFile(), false)) {
                FileRecords slice = from == 0 ? records : records.slice((int) from, (int) (records.sizeInBytes() - from));
                for (FileLogInputStream.FileChannelRecordBatch batch : slice.batches()) {
                    String problem = check(batch);
                    if (problem != null) {
                        return "batch at " + batch.baseOffset() + ": " + problem;
                    }
                    next = batch.lastOffset() + 1;
                }
                return null;
            } catch (org.apache.kafka.common.KafkaException e) {
                return "kafka-clients cannot read it: " + e;
            } catch (NoSuchFileException gone) {
                return null;
            }
        }

        private String check(RecordBatch batch) {
            if (batch.magic() != RecordBatch.MAGIC_VALUE_V2) {
                return "magic " + batch.magic();
            }
            batch.ensureValid();
            if (batch.baseOffset() < next) {
                return "starts below the previous batch's end " + next;
            }
            if (plain && batch.baseOffset() != next) {
                return "offset gap in the plain topic after " + (next - 1);
            }
            return walkBatch(batch, plain);
        }
    }

    /** The base offset of the segment file (its name), the floor for its first batch. */
    private static long firstOffsetFloor(Path file) {
        String name = file.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - ".log".length()));
    }

    private static String walkBatch(RecordBatch batch, boolean plain) {
        int count = 0;
        long previous = batch.baseOffset() - 1;
        long maxTimestamp = RecordBatch.NO_TIMESTAMP;
        Iterator<Record> it = batch.iterator();
        while (it.hasNext()) {
            Record r = it.next();
            r.ensureValid();
            if (r.offset() <= previous || r.offset() > batch.lastOffset()) {
                return "record offset " + r.offset() + " outside (" + previous + ", " + batch.lastOffset() + "]";
            }
            previous = r.offset();
            maxTimestamp = Math.max(maxTimestamp, r.timestamp());
            count++;
        }
        Integer declared = batch.countOrNull();
        if (declared != null && count > declared) {
            return count + " records, more than the " + declared + " the header counts";
        }
        if (plain && declared != null && count != declared) {
            return count + " records, the header counts " + declared;
        }
        if (plain && batch.timestampType() == TimestampType.CREATE_TIME && count > 0 && batch.maxTimestamp() != maxTimestamp) {
            return "header max timestamp " + batch.maxTimestamp() + ", largest record timestamp " + maxTimestamp;
        }
        return null;
    }
}
