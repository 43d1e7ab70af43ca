package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.OpsException;
import io.sluice.ops.RecordJson;
import io.sluice.ops.Records;
import io.sluice.ops.Topics;
import org.apache.kafka.common.header.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * {@code sluice produce TOPIC}: one record per input line (stdin or files), optional key separator and headers, or with
 * {@code --format json} the JSON lines {@code sluice consume -o json} prints ({@link RecordJson}): key, value,
 * headers and timestamp as they were, the partition too with {@code --keep-partition}. The input is streamed to the
 * producer line by line, with a progress line on a terminal (see {@link Progress}).
 */
@Command(name = "produce", footerHeading = Output.JSON_HEADING,
        footer = "{\"topic\", \"records\"}: the records acknowledged.",
        description = {"Produce one record per line of stdin (or of the given files).",
                "--format json reads what sluice consume -o json prints and writes each record's key, value (bytes as they "
                        + "were: base64 where the line says so), headers (in order, repeated keys kept, null apart from empty) "
                        + "and timestamp unchanged, so consume -> file -> produce replays records, copies them between clusters "
                        + "(-P for each side) or re-drives a dead-letter topic without loss. The timestamp is the record's "
                        + "original one: on a topic whose retention.ms is shorter than its age, retention removes it soon. "
                        + "Blank lines are skipped; topic and offset in a line are ignored."})
final class ProduceCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "TOPIC")
    String topic;

    @Parameters(index = "1..*", paramLabel = "FILE", description = "Read these files instead of stdin")
    List<Path> files = new ArrayList<>();

    @Option(names = {"-k", "--key-separator"}, paramLabel = "SEP", description = "Split each line at the first SEP into key and value")
    String keySeparator;

    @Option(names = {"-p", "--partition"}, description = "Send every record to this partition")
    Integer partition;

    @Option(names = {"-H", "--header"}, paramLabel = "KEY=VALUE", description = "Header added to every record; repeatable")
    List<String> headers = new ArrayList<>();

    @Option(names = {"-f", "--format"}, paramLabel = "TEMPLATE|json", description = {"Parse each line with a template: %%k key, %%v value, "
            + "%%p partition, %%T timestamp (ms), %%h headers k=v,k=v, %%%% a percent sign; \\t \\n escapes. E.g. '%%k\\t%%v' or '%%p %%k=%%v'.",
            "Or json: the lines sluice consume -o json prints. Not with --key-separator."})
    String format;

    @Option(names = "--keep-partition", description = "With --format json: send each record to the partition its line names "
            + "(default: the producer chooses, by key)")
    boolean keepPartition;

    @Option(names = "--base64", description = "Keys and values in the input are base64 (for binary data)")
    boolean base64;

    @Option(names = "--acks", description = "all, 1 or 0 (default: all)")
    String acks = "all";

    @Option(names = {"-z", "--compression"}, description = "none, gzip, snappy, lz4, zstd (default: none)")
    String compression = "none";

    @Override
    public Integer call() throws IOException {
        boolean json = "json".equals(format);
        checkOptions(json);
        InputFormat template = format == null || json ? null : InputFormat.parse(format);
        List<Header> hs = headers.stream().map(Records::header).toList();
        long totalBytes = files.isEmpty() ? -1 : 0;
        for (Path f : files) {
            if (!Files.isReadable(f)) {
                throw new OpsException(OpsException.Kind.NOT_FOUND, "cannot read " + f);
            }
            totalBytes += Files.size(f);
        }
        long total = totalBytes;
        try (LineInput input = new LineInput(files, json); ClusterConnection c = globals().connect(); Progress progress = progress()) {
            int partitions = keepPartition ? Topics.partitionCount(c, topic) : -1;
            Iterable<Records.Outgoing> records = () -> new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return input.hasNext();
                }

                @Override
                public Records.Outgoing next() {
                    String line = input.next();
                    if (json) {
                        return record(RecordJson.read(line, input.where()), input, hs, partitions);
                    }
                    return template == null ? record(line, input, hs) : record(template, line, input, hs);
                }
            };
            long n = Records.produce(c, globals().properties(), topic, records, acks, compression,
                    (sent, acked) -> progress.update(() -> status(sent, acked, input.bytesRead(), total)));
            progress.erase();
            Output out = output();
            if (out.structured()) {
                out.object(Map.of("topic", topic, "records", n));
            } else if (System.console() != null) {
                out.line("produced " + n + " records to " + topic);
            }
        }
        return ExitCodes.OK;
    }

    private void checkOptions(boolean json) {
        if (format != null && keySeparator != null) {
            throw new OpsException(OpsException.Kind.USAGE, "give either --format or --key-separator, not both");
        }
        if (json && base64) {
            throw new OpsException(OpsException.Kind.USAGE, "--base64 does not apply to --format json: each line says its own encodings");
        }
        if (keepPartition && !json) {
            throw new OpsException(OpsException.Kind.USAGE, "--keep-partition needs --format json (a template's %p sets the partition already)");
        }
        if (keepPartition && partition != null) {
            throw new OpsException(OpsException.Kind.USAGE, "give either --partition or --keep-partition, not both");
        }
    }

    /** A record from a JSON line: its own headers, then -H ones; its partition with --keep-partition, else -p's. */
    private Records.Outgoing record(RecordJson.Parsed p, LineInput at, List<Header> hs, int partitions) {
        List<Header> all = new ArrayList<>(p.headers());
        all.addAll(hs);
        Integer toPartition = partition;
        if (keepPartition) {
            if (p.partition() == null) {
                throw new OpsException(OpsException.Kind.USAGE, at.where() + ": no partition in the line, but --keep-partition "
                        + "(the lines before it were produced)");
            }
            if (partitions >= 0 && p.partition() >= partitions) {
                throw new OpsException(OpsException.Kind.USAGE, at.where() + ": partition " + p.partition() + ", but " + topic + " has "
                        + partitions + " partitions; add partitions or drop --keep-partition (the lines before it were produced)");
            }
            toPartition = p.partition();
        }
        return new Records.Outgoing(p.key(), p.value(), toPartition, all, p.timestampMs());
    }

    private String status(long sent, long acked, long bytesRead, long totalBytes) {
        String s = "producing to " + topic + ": " + sent + " sent, " + acked + " acknowledged";
        return totalBytes > 0 ? s + " (" + Math.min(100, bytesRead * 100 / totalBytes) + "% read)" : s;
    }

    private Records.Outgoing record(String line, LineInput at, List<Header> hs) {
        String key = null;
        String value = line;
        if (keySeparator != null) {
            int i = line.indexOf(keySeparator);
            if (i >= 0) {
                key = line.substring(0, i);
                value = line.substring(i + keySeparator.length());
            }
        }
        return new Records.Outgoing(key == null ? null : bytes(key, at), bytes(value, at), partition, hs);
    }

    private Records.Outgoing record(InputFormat template, String line, LineInput at, List<Header> hs) {
        InputFormat.Parsed p = template.read(line, at.where());
        List<Header> all = new ArrayList<>(hs);
        p.headers().forEach(h -> all.add(Records.header(h)));
        Integer toPartition = p.partition() != null ? p.partition() : partition;
        return new Records.Outgoing(p.key() == null ? null : bytes(p.key(), at), bytes(p.value(), at), toPartition, all, p.timestampMs());
    }

    private byte[] bytes(String text, LineInput at) {
        if (!base64) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return java.util.Base64.getDecoder().decode(text.trim());
        } catch (IllegalArgumentException e) {
            throw new OpsException(OpsException.Kind.USAGE, "--base64: " + at.where() + " is not base64: "
                    + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + " (the lines before it were produced)", e);
        }
    }

    /**
     * The lines of the files in order, or of stdin, read one at a time (a big file is never held whole), with the
     * bytes read so far for progress and the current file and line number for error messages.
     */
    private static final class LineInput implements Iterator<String>, AutoCloseable {
        private final Deque<Path> files;
        private final boolean stdin;
        private long bytesBefore;
        private CountingStream counting;
        private BufferedReader reader;
        private String source;
        private long lineNumber;
        private String next;

        private final boolean skipBlank;

        LineInput(List<Path> files, boolean skipBlank) {
            this.files = new ArrayDeque<>(files);
            this.stdin = files.isEmpty();
            this.skipBlank = skipBlank;
        }

        @Override
        public boolean hasNext() {
            try {
                while (next == null) {
                    if (reader == null && !open()) {
                        return false;
                    }
                    next = reader.readLine();
                    if (next == null) {
                        closeReader();
                    } else {
                        lineNumber++;
                        if (skipBlank && next.isBlank()) {
                            next = null;
                        }
                    }
                }
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + source, e);
            }
        }

        @Override
        public String next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            String line = next;
            next = null;
            return line;
        }

        long bytesRead() {
            return bytesBefore + (counting == null ? 0 : counting.count);
        }

        String where() {
            return source + " line " + lineNumber;
        }

        private boolean open() throws IOException {
            InputStream in;
            if (stdin) {
                if (source != null) {
                    return false;
                }
                in = System.in;
                source = "stdin";
            } else {
                if (files.isEmpty()) {
                    return false;
                }
                Path f = files.poll();
                in = Files.newInputStream(f);
                source = f.toString();
            }
            counting = new CountingStream(in);
            reader = new BufferedReader(new InputStreamReader(counting, StandardCharsets.UTF_8));
            lineNumber = 0;
            return true;
        }

        private void closeReader() throws IOException {
            bytesBefore += counting.count;
            counting = null;
            if (!stdin) {
                reader.close();
            }
            reader = null;
        }

        @Override
        public void close() throws IOException {
            if (reader != null) {
                closeReader();
            }
        }
    }

    /** Counts the bytes read through it. */
    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
