package io.sluice.ctl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** Option mistakes of consume and produce are refused before any cluster is asked: exit 2, one line. */
@Timeout(30)
class ConsumeProduceOptionsTest {
    record Run(int exit, String out, String err) {
    }

    private static Run sluice(String... args) {
        CommandLine cmd = SluiceCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 4];
        System.arraycopy(new String[]{"--brokers", "127.0.0.1:1", "--timeout", "1"}, 0, all, 0, 4);
        System.arraycopy(args, 0, all, 4, args.length);
        return new Run(cmd.execute(all), out.toString(), err.toString());
    }

    private static void usage(Run r, String message) {
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains(message).doesNotContain("\tat ").hasLineCount(1);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void consumeRefusesBadFiltersTimesAndTheOldCountForm() {
        usage(sluice("consume", "orders", "--filter", "vaule == 'x'"), "sluice: filter, column 1: unknown field 'vaule' (did you mean value?)");
        usage(sluice("consume", "orders", "--filter", "value.status = 'x'"), "use == to compare");
        usage(sluice("consume", "orders", "--count", "5"), "--count no longer takes a number: it prints how many records match; use -n 5 (--num)");
        usage(sluice("consume", "orders", "--count", "--follow"), "--count and --follow exclude each other");
        usage(sluice("consume", "orders", "--from", "2024-05-01T10:00:00"), "--from 2024-05-01T10:00:00: add the UTC offset");
        usage(sluice("consume", "orders", "--from", "yesterday"), "--from yesterday: expected start, end, committed, OFFSET");
        usage(sluice("consume", "orders", "--to", "committed"), "--to committed: expected end, an OFFSET or a time");
        usage(sluice("consume", "orders", "--to", "end", "--follow"), "--to and --follow exclude each other");
    }

    @Test
    void produceRefusesOptionsThatDoNotGoWithJson() {
        usage(sluice("produce", "orders", "--format", "json", "--base64"), "--base64 does not apply to --format json");
        usage(sluice("produce", "orders", "--keep-partition"), "--keep-partition needs --format json");
        usage(sluice("produce", "orders", "--format", "json", "--keep-partition", "-p", "1"), "either --partition or --keep-partition");
        usage(sluice("produce", "orders", "--format", "json", "-k", ":"), "either --format or --key-separator");
    }

    @Test
    void helpDocumentsTheFilterLanguageAndTheJsonRoundTrip() {
        Run consume = sluice("consume", "--help");
        assertThat(consume.out()).contains("--filter=EXPR").contains("--to=WHERE").contains("Filter expressions (--filter):")
                .contains("JSON path into a JSON key or value").contains("--count").contains("-n, --num=N");
        Run produce = sluice("produce", "--help");
        assertThat(produce.out()).contains("--keep-partition").contains("--format json reads what sluice consume -o json prints");
    }
}
