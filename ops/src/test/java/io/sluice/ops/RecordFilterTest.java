package io.sluice.ops;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RecordFilterTest {
    private static final long NOW = 1_714_564_800_000L; // 2024-05-01T12:00:00Z

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static Records.Incoming rec(String key, String value, Header... headers) {
        return rec(0, 0, NOW, utf8(key), utf8(value), headers);
    }

    private static Records.Incoming rec(int partition, long offset, long ts, byte[] key, byte[] value, Header... headers) {
        return new Records.Incoming("t", partition, offset, ts, key, value, List.of(headers));
    }

    private static boolean matches(String filter, Records.Incoming r) {
        return RecordFilter.parse(filter, NOW).matches(r);
    }

    private static Header h(String k, String v) {
        return new RecordHeader(k, utf8(v));
    }

    @Test
    void keyValueAndHeadersAsText() {
        Records.Incoming r = rec("order-42", "payment timeout after 30s", h("source", "web"), h("trace", "abc"));
        assertThat(matches("key == \"order-42\"", r)).isTrue();
        assertThat(matches("key == 'order-43'", r)).isFalse();
        assertThat(matches("key != 'order-43'", r)).isTrue();
        assertThat(matches("value contains \"timeout\"", r)).isTrue();
        assertThat(matches("key ~ \"^order-4[0-9]$\"", r)).isTrue();
        assertThat(matches("key ~ \"(?i)ORDER\"", r)).isTrue();
        assertThat(matches("header.source == \"web\" and header.trace", r)).isTrue();
        assertThat(matches("header[\"source\"] == 'web'", r)).isTrue();
        assertThat(matches("header.missing", r)).isFalse();
        assertThat(matches("not header.missing", r)).isTrue();
        assertThat(matches("header.missing != 'x'", r)).as("no such header: != holds").isTrue();
        assertThat(matches("header.missing == 'x'", r)).isFalse();
    }

    @Test
    void repeatedHeaderKeysMatchWhenAnyValueDoes() {
        Records.Incoming r = rec("k", "v", h("retry", "1"), h("retry", "2"));
        assertThat(matches("header.retry == '2'", r)).isTrue();
        assertThat(matches("header.retry == '1'", r)).isTrue();
        assertThat(matches("header.retry != '2'", r)).as("!= means no header of that name equals it").isFalse();
        assertThat(matches("header.retry > 1", r)).isTrue();
    }

    @Test
    void nullKeysValuesAndHeaderValuesAreNotEmptyOnes() {
        Records.Incoming nulls = rec(0, 0, NOW, null, null, new RecordHeader("h", null));
        Records.Incoming empties = rec(0, 0, NOW, new byte[0], new byte[0], new RecordHeader("h", new byte[0]));
        assertThat(matches("key == null and value == null and header.h == null", nulls)).isTrue();
        assertThat(matches("key", nulls)).isFalse();
        assertThat(matches("header.h", nulls)).as("a header with a null value is there").isTrue();
        assertThat(matches("key == '' and value == '' and header.h == ''", empties)).isTrue();
        assertThat(matches("key == null or value == null or header.h == null", empties)).isFalse();
        assertThat(matches("key", empties)).isTrue();
    }

    @Test
    void jsonPathsIntoValuesAndKeys() {
        Records.Incoming r = rec("{\"id\": 7}", "{\"status\": \"FAILED\", \"amount\": 12.50, \"ok\": false, \"error\": null,"
                + " \"items\": [{\"sku\": \"AB-1\"}, {\"sku\": \"CD-2\"}], \"a b\": {\"c\": 1}, \"tags\": [\"x\", \"y\"]}");
        assertThat(matches("value.status == \"FAILED\"", r)).isTrue();
        assertThat(matches("value.amount == 12.5 and value.amount > 10 and value.amount <= 12.50", r)).isTrue();
        assertThat(matches("value.amount == '12.5'", r)).as("a number is not a string").isFalse();
        assertThat(matches("value.ok == false", r)).isTrue();
        assertThat(matches("value.items[1].sku == 'CD-2'", r)).isTrue();
        assertThat(matches("value.items[2].sku", r)).isFalse();
        assertThat(matches("value[\"a b\"].c == 1", r)).isTrue();
        assertThat(matches("value.error", r)).as("JSON null is not present").isFalse();
        assertThat(matches("value.error == null and value.nothing == null", r)).isTrue();
        assertThat(matches("value.tags contains '\"y\"'", r)).as("an array reads as its JSON text").isTrue();
        assertThat(matches("key.id == 7", r)).isTrue();
        assertThat(matches("value.status == 'FAILED'", rec("k", "not json"))).isFalse();
        assertThat(matches("value.status", rec("k", null))).isFalse();
    }

    @Test
    void partitionOffsetAndTimestampIncludingTimes() {
        Records.Incoming r = rec(3, 1000, NOW - 30 * 60_000, utf8("k"), utf8("v"));
        assertThat(matches("partition == 3 and offset >= 1000 and offset < 1001", r)).isTrue();
        assertThat(matches("timestamp >= \"-1h\"", r)).isTrue();
        assertThat(matches("timestamp >= '-10m'", r)).isFalse();
        assertThat(matches("timestamp < \"2024-05-01T12:00:00Z\" and timestamp > '2024-05-01'", r)).isTrue();
        assertThat(matches("timestamp == " + (NOW - 30 * 60_000), r)).isTrue();
        assertThat(matches("timestamp >= '@" + NOW + "'", r)).isFalse();
    }

    @Test
    void numbersInTextCompareAsNumbers() {
        assertThat(matches("key > 99", rec("100", "v"))).isTrue();
        assertThat(matches("key > '99'", rec("100", "v"))).as("strings compare by code point").isFalse();
        assertThat(matches("key > 99", rec("abc", "v"))).isFalse();
        assertThat(matches("key != 99", rec("abc", "v"))).isTrue();
    }

    @Test
    void logicBindsAndBeforeOrAndHonoursParentheses() {
        Records.Incoming r = rec("a", "b");
        assertThat(matches("key == 'x' and value == 'y' or key == 'a'", r)).isTrue();
        assertThat(matches("key == 'x' and (value == 'y' or key == 'a')", r)).isFalse();
        assertThat(matches("!(key == 'x') && value == 'b' || offset == 99", r)).isTrue();
        assertThat(matches("not not key", r)).isTrue();
    }

    @Test
    void binaryBytesReadAsReplacementCharacters() {
        Records.Incoming r = rec(0, 0, NOW, new byte[]{(byte) 0xff, 'o', 'k'}, new byte[]{0, 1, 2});
        assertThat(matches("key contains 'ok'", r)).isTrue();
        assertThat(matches("key ~ '^\\uFFFDok$'", r)).isTrue();
        assertThat(matches("value.x", r)).isFalse();
    }

    @Test
    void blankMeansEverything() {
        assertThat(RecordFilter.parse("  ").matchesAll()).isTrue();
        assertThat(RecordFilter.parse(null).matches(rec("a", "b"))).isTrue();
    }

    @Test
    void hostileAndMistypedInputGetsOneClearLine() {
        String[][] cases = {
                {"vaule == 'x'", "unknown field 'vaule' (did you mean value?)", "column 1"},
                {"key = 'x'", "use == to compare", "column 5"},
                {"key ==", "expected a value after ==", "found the end"},
                {"key == abc", "quote text: \"abc\"", "column 8"},
                {"key == 'abc", "has no closing '", "column 8"},
                {"(key == 'a'", "expected ')'", "found the end"},
                {"key == 'a')", "unexpected ')'", "column 11"},
                {"key ~ '('", "bad regular expression", "column 7"},
                {"key ~ 5", "~ needs a quoted string", "column 7"},
                {"offset", "offset needs a comparison", "column 7"},
                {"offset > null", "> compares numbers or strings, not null", "column 10"},
                {"header", "name the header", "column 7"},
                {"header.", "expected a header name", "column 8"},
                {"value.items[-1]", "expected an array index", "column 13"},
                {"key == 'a' & value == 'b'", "unexpected character '&' (use && / || or and / or)", "column 12"},
                {"key == 'a\\q'", "unknown escape \\q", "column 10"},
                {"key == '\\u12'", "\\u needs four hex digits", "column 9"},
                {"== 'a'", "expected a field", "column 1"},
                {"key 'a'", "unexpected the string \"a\"", "column 5"},
                {"key == 1e99999999999", "not a number", "column 8"},
                {"key\u0000== 'a'", "unexpected character U+0000", "column 4"},
                {"timestamp > 'yesterday'", "timestamp yesterday: expected a time", "column 13"},
                {"timestamp > '2024-05-01T10:00:00'", "add the UTC offset", "column 13"},
                {"key == " + "9".repeat(200), "number too long", "column 8"},
        };
        for (String[] c : cases) {
            Throwable t = catchThrowable(() -> RecordFilter.parse(c[0], NOW));
            assertThat(t).as(c[0]).isInstanceOf(OpsException.class);
            assertThat(((OpsException) t).kind()).isEqualTo(OpsException.Kind.USAGE);
            assertThat(t.getMessage()).as(c[0]).startsWith("filter, ").contains(c[1]).contains(c[2]).doesNotContain("\n");
        }
    }

    @Test
    void sizeAndNestingAreBounded() {
        assertThatThrownBy(() -> RecordFilter.parse("(".repeat(10_000) + "key" + ")".repeat(10_000)))
                .isInstanceOf(OpsException.class).hasMessageContaining("at most 4096");
        assertThatThrownBy(() -> RecordFilter.parse("(".repeat(100) + "key" + ")".repeat(100)))
                .isInstanceOf(OpsException.class).hasMessageContaining("nests deeper than 64");
        assertThatThrownBy(() -> RecordFilter.parse("not ".repeat(200) + "key"))
                .isInstanceOf(OpsException.class).hasMessageContaining("nests deeper than 64");
        assertThat(RecordFilter.parse("(".repeat(60) + "key" + ")".repeat(60)).matches(rec("a", "b"))).isTrue();
        String longOr = String.join(" or ", java.util.Collections.nCopies(200, "key == 'z'"));
        assertThat(RecordFilter.parse(longOr).matches(rec("z", "b"))).as("long flat chains are not nesting").isTrue();
    }

    @Test
    void aRunawayRegularExpressionStopsWithAnError() {
        // Java memoises the classic (a+)+ case; this one still backtracks combinatorially.
        RecordFilter f = RecordFilter.parse("value ~ '(.*a){25}'");
        Records.Incoming evil = rec(2, 17, NOW, null, utf8("a".repeat(40) + "!"));
        assertThatThrownBy(() -> f.matches(evil)).isInstanceOf(OpsException.class)
                .hasMessageContaining("takes too long on the record at partition 2 offset 17");
        assertThat(f.matches(rec("k", "aaaa"))).isFalse();
        assertThat(RecordFilter.parse("value ~ '(.*a){3}'").matches(rec("k", "banana"))).isTrue();
    }

    @Test
    void randomGarbageNeverEscapesAsAnotherException() {
        java.util.Random random = new java.util.Random(17);
        String alphabet = "keyvalueheaderpartitionoffsettimestamp.[]()=!<>~&|'\"\\ 0123456789-ande or not contains null true";
        for (int i = 0; i < 5_000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(40);
            for (int j = 0; j < len; j++) {
                sb.append(random.nextInt(10) == 0 ? (char) random.nextInt(0x3000) : alphabet.charAt(random.nextInt(alphabet.length())));
            }
            try {
                RecordFilter.parse(sb.toString(), NOW).matches(rec("{\"a\":1}", "[1,2]", h("a", "b")));
            } catch (OpsException e) {
                assertThat(e.kind()).isEqualTo(OpsException.Kind.USAGE);
                assertThat(e.getMessage()).doesNotContain("\n");
            }
        }
    }
}
