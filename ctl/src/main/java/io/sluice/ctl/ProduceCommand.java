package io.sluice.ctl;

import io.sluice.ops.OpsException;
import io.sluice.ops.Records;
import org.apache.kafka.common.header.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code sluice produce TOPIC}: one record per input line (stdin or files), optional key separator and headers. */
@Command(name = "produce", description = "Produce one record per line of stdin (or of the given files).")
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

    @Option(names = "--base64", description = "Keys and values in the input are base64 (for binary data)")
    boolean base64;

    @Option(names = "--acks", description = "all, 1 or 0 (default: all)")
    String acks = "all";

    @Option(names = {"-z", "--compression"}, description = "none, gzip, snappy, lz4, zstd (default: none)")
    String compression = "none";

    @Override
    public Integer call() throws IOException {
        List<Header> hs = headers.stream().map(Records::header).toList();
        List<Records.Outgoing> records = new ArrayList<>();
        if (files.isEmpty()) {
            read(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), hs, records);
        } else {
            for (Path f : files) {
                if (!Files.isReadable(f)) {
                    throw new OpsException(OpsException.Kind.NOT_FOUND, "cannot read " + f);
                }
                try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                    read(r, hs, records);
                }
            }
        }
        long n = Records.produce(globals().bootstrap(), globals().properties(), topic, records, acks, compression);
        Output out = output();
        if (out.structured()) {
            out.object(Map.of("topic", topic, "records", n));
        } else if (System.console() != null) {
            out.line("produced " + n + " records to " + topic);
        }
        return ExitCodes.OK;
    }

    private byte[] bytes(String text) {
        if (!base64) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return java.util.Base64.getDecoder().decode(text.trim());
        } catch (IllegalArgumentException e) {
            throw new OpsException(OpsException.Kind.USAGE, "--base64: not base64: " + (text.length() > 40 ? text.substring(0, 40) + "..." : text), e);
        }
    }

    private void read(BufferedReader in, List<Header> hs, List<Records.Outgoing> out) {
        try {
            for (String line; (line = in.readLine()) != null; ) {
                String key = null;
                String value = line;
                if (keySeparator != null) {
                    int i = line.indexOf(keySeparator);
                    if (i >= 0) {
                        key = line.substring(0, i);
                        value = line.substring(i + keySeparator.length());
                    }
                }
                out.add(new Records.Outgoing(key == null ? null : bytes(key), bytes(value), partition, hs));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
