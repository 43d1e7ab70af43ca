package io.sluice.ctl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders a command's result: an aligned table for people (with or without headers), or the result object as JSON
 * or YAML for scripts. The JSON field names are the record component names of the ops types: a stable interface.
 */
final class Output {
    /** {@code text}: plain text where a command has a text report (sluice top --once); elsewhere the same as table. */
    enum Format { table, wide, json, yaml, text }

    /** Heading of the help/man section that lists a command's JSON fields (its picocli footer). */
    static final String JSON_HEADING = "%nJSON output (-o json; -o yaml has the same fields):%n";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

    private final PrintWriter out;
    private final Format format;
    private final boolean headers;

    Output(PrintWriter out, Format format, boolean headers) {
        this.out = out;
        this.format = format;
        this.headers = headers;
    }

    boolean structured() {
        return format == Format.json || format == Format.yaml;
    }

    /** JSON or YAML of {@code value}; call only when {@link #structured()}. */
    void object(Object value) {
        try {
            out.print((format == Format.json ? JSON : YAML).writeValueAsString(value));
            if (format == Format.json) {
                out.println();
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        out.flush();
    }

    /** An aligned table; every row has one cell per header. */
    void table(List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        if (headers) {
            all.add(header);
        }
        all.addAll(rows);
        int[] widths = new int[header.size()];
        for (List<String> r : all) {
            for (int i = 0; i < r.size(); i++) {
                widths[i] = Math.max(widths[i], r.get(i).length());
            }
        }
        for (List<String> r : all) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                sb.append(r.get(i));
                if (i < r.size() - 1) {
                    sb.append(" ".repeat(widths[i] - r.get(i).length() + 2));
                }
            }
            out.println(sb.toString().stripTrailing());
        }
        out.flush();
    }

    /** False with --no-headers: print only rows, no summary lines (for awk). */
    boolean headers() {
        return headers;
    }

    void line(String s) {
        out.println(s);
        out.flush();
    }
}
