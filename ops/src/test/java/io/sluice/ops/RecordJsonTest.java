package io.sluice.ops;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RecordJsonTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void whatIsWrittenReadsBackByteForByte() {
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        List<Header> headers = List.of(new RecordHeader("trace", utf8("abc")), new RecordHeader("trace", utf8("def")),
                new RecordHeader("bin", new byte[]{(byte) 0xc3, 0x28}), new RecordHeader("nothing", null),
                new RecordHeader("empty", new byte[0]), new RecordHeader("ünï", utf8("wert\n\"q\"")));
        Records.Incoming in = new Records.Incoming("orders", 3, 41, 1_714_564_800_123L, new byte[0], binary, headers);
        String line = RecordJson.write(in);
        assertThat(line).doesNotContain("\n").contains("\"valueEncoding\":\"base64\"").contains("\"keyEncoding\":\"utf8\"");
        RecordJson.Parsed back = RecordJson.read(line, "stdin line 1");
        assertThat(back.key()).isEmpty();
        assertThat(back.value()).isEqualTo(binary);
        assertThat(back.partition()).isEqualTo(3);
        assertThat(back.timestampMs()).isEqualTo(1_714_564_800_123L);
        assertThat(back.headers()).hasSize(headers.size());
        for (int i = 0; i < headers.size(); i++) {
            assertThat(back.headers().get(i).key()).isEqualTo(headers.get(i).key());
            assertThat(back.headers().get(i).value()).isEqualTo(headers.get(i).value());
        }
        Records.Incoming nulls = new Records.Incoming("orders", 0, 0, 5, null, null, List.of());
        RecordJson.Parsed n = RecordJson.read(RecordJson.write(nulls), "x");
        assertThat(n.key()).isNull();
        assertThat(n.value()).isNull();
        assertThat(n.headers()).isEmpty();
    }

    @Test
    void theLineFormatIsTheStableOneConsumePrints() {
        Records.Incoming in = new Records.Incoming("t", 0, 7, 1000, utf8("k"), new byte[]{0, (byte) 0xff}, List.of(new RecordHeader("h", null)));
        assertThat(RecordJson.write(in)).isEqualTo("{\"topic\":\"t\",\"partition\":0,\"offset\":7,\"timestamp\":1000,\"key\":\"k\","
                + "\"keyEncoding\":\"utf8\",\"value\":\"AP8=\",\"valueEncoding\":\"base64\",\"headers\":[{\"key\":\"h\",\"value\":null,"
                + "\"valueEncoding\":null}]}");
    }

    @Test
    void handWrittenLinesNeedOnlyWhatTheyUse() {
        RecordJson.Parsed p = RecordJson.read("{\"value\": \"hello\"}", "x");
        assertThat(p.value()).isEqualTo(utf8("hello"));
        assertThat(p.key()).isNull();
        assertThat(p.partition()).isNull();
        assertThat(p.timestampMs()).isNull();
        assertThat(RecordJson.read("{\"value\": \"v\", \"timestamp\": -1}", "x").timestampMs()).as("no timestamp").isNull();
    }

    @Test
    void badLinesNameTheLineAndTheField() {
        String[][] cases = {
                {"not json", "f.json line 3: not JSON"},
                {"[1,2]", "expected a JSON object per line"},
                {"{\"value\": 5}", "value must be a string or null, not 5"},
                {"{\"value\": \"@@\", \"valueEncoding\": \"base64\"}", "value is not base64"},
                {"{\"value\": \"v\", \"valueEncoding\": \"hex\"}", "valueEncoding must be utf8 or base64, not hex"},
                {"{\"value\": \"v\", \"partition\": -2}", "partition must be a number >= 0"},
                {"{\"value\": \"v\", \"partition\": 1.5}", "partition must be a number >= 0"},
                {"{\"value\": \"v\", \"timestamp\": \"soon\"}", "timestamp must be epoch milliseconds"},
                {"{\"value\": \"v\", \"headers\": {\"a\": \"b\"}}", "headers must be an array"},
                {"{\"value\": \"v\", \"headers\": [{\"value\": \"b\"}]}", "each header needs a \"key\" string"},
                {"{\"value\": \"v\", \"headers\": [{\"key\": \"h\", \"value\": 1}]}", "f.json line 3 header h: value must be a string"},
                {"{\"value\": \"v\"} {\"value\": \"w\"}", "not JSON"},
        };
        for (String[] c : cases) {
            Throwable t = catchThrowable(() -> RecordJson.read(c[0], "f.json line 3"));
            assertThat(t).as(c[0]).isInstanceOf(OpsException.class);
            assertThat(((OpsException) t).kind()).isEqualTo(OpsException.Kind.USAGE);
            assertThat(t.getMessage()).as(c[0]).startsWith("f.json line 3").contains(c[1]).endsWith("(the lines before it were produced)");
        }
    }
}
