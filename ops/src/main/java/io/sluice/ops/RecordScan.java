package io.sluice.ops;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Reads a topic (or one partition) for {@code sluice consume}: from a start ({@code --from}) to a stop ({@code --to},
 * by default the end offsets seen when the scan starts; never with {@code follow}), handing the records a
 * {@link RecordFilter} accepts to a sink until {@code max} of them were handed over. Starts and stops are positions
 * per partition:
 * <ul>
 *   <li>{@code start}, {@code end}, {@code committed} (the group's offsets, else the start), an OFFSET, {@code -N}
 *       (the last N records of each partition);</li>
 *   <li>a time as {@link TimeSpec} reads it ({@code @EPOCH_MS}, RFC 3339, {@code -1h}, {@code now}): the first offset
 *       whose timestamp is at or after it (ListOffsets by time, as Kafka's tools do; the end when there is none).</li>
 * </ul>
 * The range is half-open: {@code --to} names the first offset (or time) not read. With a group the position after
 * each examined record is committed (matching or not), so a group resumes after what it scanned. Not thread-safe;
 * one scan per call.
 */
public final class RecordScan {
    private static final Duration POLL = Duration.ofMillis(200);

    /** What to read. {@code to} null means the end offsets at the start (or no end with {@code follow}). */
    public record Request(String topic, Integer partition, String from, String to, String group, long max, boolean follow,
                          RecordFilter filter) {
    }

    /** Records examined and records that matched (and were handed to the sink). */
    public record Result(long scanned, long matched) {
    }

    /** Told how far the scan has got: records examined, the records in the range (-1 while following), matches. */
    @FunctionalInterface
    public interface Listener {
        void progress(long scanned, long total, long matched);
    }

    private RecordScan() {
    }

    /** Runs the scan; the sink and the listener are called on this thread. */
    public static Result run(ClusterConnection c, Map<String, String> props, Request req, Consumer<Records.Incoming> sink,
                             Listener listener) {
        if (req.follow() && req.to() != null) {
            throw new OpsException(OpsException.Kind.USAGE, "--to and --follow exclude each other: --follow never stops");
        }
        if (req.group() == null && req.from().equals("committed")) {
            throw new OpsException(OpsException.Kind.USAGE, "--from committed needs --group");
        }
        long nowMs = System.currentTimeMillis();
        // Parse before connecting: a typo is a usage error even when the cluster is down.
        Position from = Position.parse("--from", req.from(), nowMs);
        Position to = req.to() == null ? null : Position.parse("--to", req.to(), nowMs);
        if (to instanceof Position.Committed || to instanceof Position.Last) {
            throw new OpsException(OpsException.Kind.USAGE, "--to " + req.to() + ": expected end, an OFFSET or a time");
        }
        List<TopicPartition> tps = partitions(c, req);
        Map<String, Object> p = new HashMap<>(props);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrap());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(1_000, c.timeout().toMillis())));
        if (req.group() != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, req.group());
        }
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(tps);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(tps);
            Map<TopicPartition, Long> end = consumer.endOffsets(tps);
            Map<TopicPartition, Long> start = resolve(consumer, tps, from, begin, end);
            Map<TopicPartition, Long> stop = req.follow() ? null : to == null ? end : resolve(consumer, tps, to, begin, end);
            start.forEach(consumer::seek);
            return scan(consumer, req, tps, start, stop, sink, listener);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw Futures.translate(e, c, "reading " + req.topic());
        } catch (org.apache.kafka.common.KafkaException e) {
            OpsException denied = SecurityErrors.translate(e, "reading " + req.topic(), c.clientProperties());
            if (denied != null) {
                throw denied;
            }
            throw e;
        }
    }

    private static List<TopicPartition> partitions(ClusterConnection c, Request req) {
        List<TopicPartition> tps = new ArrayList<>();
        List<Topics.PartitionOffsets> offsets = Topics.offsets(c, req.topic(), null);
        for (Topics.PartitionOffsets o : offsets) {
            if (req.partition() == null || req.partition() == o.partition()) {
                tps.add(new TopicPartition(req.topic(), o.partition()));
            }
        }
        if (tps.isEmpty()) {
            throw new OpsException(OpsException.Kind.NOT_FOUND, "topic " + req.topic() + " has no partition " + req.partition()
                    + " (it has " + offsets.size() + ")");
        }
        return tps;
    }

    private static Result scan(KafkaConsumer<byte[], byte[]> consumer, Request req, List<TopicPartition> tps,
                               Map<TopicPartition, Long> start, Map<TopicPartition, Long> stop,
                               Consumer<Records.Incoming> sink, Listener listener) {
        long total = stop == null ? -1 : 0;
        if (stop != null) {
            for (TopicPartition tp : tps) {
                total += Math.max(0, stop.get(tp) - start.get(tp));
            }
        }
        long scanned = 0;
        long matched = 0;
        // Only what was examined is committed: a poll may return more than -n lets through.
        Map<TopicPartition, OffsetAndMetadata> examined = new HashMap<>();
        boolean done = false;
        while (!done && (stop == null || !reached(consumer, tps, stop))) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (stop != null && r.offset() >= stop.get(tp)) {
                    consumer.pause(List.of(tp));
                    continue;
                }
                scanned++;
                examined.put(tp, new OffsetAndMetadata(r.offset() + 1));
                Records.Incoming in = new Records.Incoming(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value(),
                        List.of(r.headers().toArray()));
                if (req.filter().matches(in)) {
                    sink.accept(in);
                    if (++matched >= req.max()) {
                        done = true;
                        break;
                    }
                }
            }
            if (req.group() != null && !examined.isEmpty()) {
                consumer.commitSync(examined);
                examined.clear();
            }
            listener.progress(scanned, total, matched);
        }
        return new Result(scanned, matched);
    }

    /** Whether every partition's position has passed its stop (positions move past gaps and control records too). */
    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> tps, Map<TopicPartition, Long> stop) {
        for (TopicPartition tp : tps) {
            if (consumer.position(tp) < stop.get(tp)) {
                return false;
            }
        }
        return true;
    }

    private static Map<TopicPartition, Long> resolve(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> tps, Position pos,
                                                     Map<TopicPartition, Long> begin, Map<TopicPartition, Long> end) {
        Map<TopicPartition, Long> out = new HashMap<>();
        if (pos instanceof Position.Committed) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(tps));
            tps.forEach(tp -> out.put(tp, committed.get(tp) == null ? begin.get(tp) : clamp(committed.get(tp).offset(), begin, end, tp)));
        } else if (pos instanceof Position.Time t) {
            Map<TopicPartition, Long> query = new HashMap<>();
            tps.forEach(tp -> query.put(tp, t.timestampMs()));
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
            tps.forEach(tp -> out.put(tp, found.get(tp) == null ? end.get(tp) : found.get(tp).offset()));
        } else {
            for (TopicPartition tp : tps) {
                long o;
                if (pos instanceof Position.Start) {
                    o = begin.get(tp);
                } else if (pos instanceof Position.End) {
                    o = end.get(tp);
                } else if (pos instanceof Position.Last l) {
                    o = end.get(tp) - l.records();
                } else {
                    o = ((Position.Offset) pos).offset();
                }
                out.put(tp, clamp(o, begin, end, tp));
            }
        }
        return out;
    }

    private static long clamp(long offset, Map<TopicPartition, Long> begin, Map<TopicPartition, Long> end, TopicPartition tp) {
        return Math.max(begin.get(tp), Math.min(end.get(tp), offset));
    }

    /** Where a scan starts or stops, as typed. */
    sealed interface Position {
        record Start() implements Position {
        }

        record End() implements Position {
        }

        record Committed() implements Position {
        }

        record Offset(long offset) implements Position {
        }

        record Last(long records) implements Position {
        }

        record Time(long timestampMs) implements Position {
        }

        static Position parse(String option, String s, long nowMs) {
            switch (s) {
                case "start", "beginning", "earliest" -> {
                    return new Start();
                }
                case "end", "latest" -> {
                    return new End();
                }
                case "committed" -> {
                    return new Committed();
                }
                default -> {
                }
            }
            if (TimeSpec.looksLikeTime(s)) {
                return new Time(TimeSpec.parse(option, s, nowMs));
            }
            try {
                long n = Long.parseLong(s);
                return n < 0 ? new Last(-n) : new Offset(n);
            } catch (NumberFormatException e) {
                throw new OpsException(OpsException.Kind.USAGE, option + " " + s + ": expected start, end, committed, OFFSET, "
                        + "-N (the last N records), or a time: @EPOCH_MS, 2024-05-01T12:00:00Z, -1h, now", e);
            }
        }
    }
}
