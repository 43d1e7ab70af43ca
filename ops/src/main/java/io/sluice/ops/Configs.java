package io.sluice.ops;

import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Broker and topic configs: read with their source, change through IncrementalAlterConfigs. Stateless. */
public final class Configs {

    /** One config as the cluster reports it; {@code readOnly} for static broker configs. */
    public record Entry(String name, String value, String source, boolean readOnly, boolean sensitive) {
    }

    private Configs() {
    }

    /** {@code topic:NAME} or {@code broker:ID} (broker id may be empty for the default). */
    public static ConfigResource resource(String spec) {
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? "" : spec.substring(0, colon);
        String name = colon < 0 ? "" : spec.substring(colon + 1);
        return switch (kind) {
            case "topic" -> new ConfigResource(ConfigResource.Type.TOPIC, name);
            case "broker" -> new ConfigResource(ConfigResource.Type.BROKER, name);
            default -> throw new OpsException(OpsException.Kind.USAGE, spec + ": expected topic:NAME or broker:ID");
        };
    }

    public static List<Entry> get(ClusterConnection c, ConfigResource res, List<String> names) {
        Config config = Futures.get(c.admin().describeConfigs(List.of(res)).all(), c, "describing the configs of " + label(res)).get(res);
        List<Entry> out = new ArrayList<>();
        for (ConfigEntry e : config.entries()) {
            if (names.isEmpty() || names.contains(e.name())) {
                out.add(new Entry(e.name(), e.isSensitive() ? null : e.value(), e.source().name(), e.isReadOnly(), e.isSensitive()));
            }
        }
        out.sort(Comparator.comparing(Entry::name));
        return out;
    }

    public static void alter(ClusterConnection c, ConfigResource res, Map<String, String> set, List<String> delete) {
        List<AlterConfigOp> ops = ops(set, delete);
        Futures.get(c.admin().incrementalAlterConfigs(Map.of(res, ops)).all(), c, "altering the configs of " + label(res));
    }

    /**
     * One key of a config change: its value and source now, and the value it gets ({@code next} null: the override is
     * removed and the key falls back to its default).
     */
    public record Change(String name, String current, String source, String next) {
    }

    /** A config change shown before it is made; {@code resource} is topic:NAME or broker:ID. */
    public record Plan(String resource, List<Change> changes) {
    }

    /**
     * Plans setting {@code set} and removing {@code delete} on {@code resource} (topic:NAME or broker:ID): reads the
     * values now and has the cluster validate the change without making it (validateOnly), so a bad key or value fails
     * here, before anything is applied.
     */
    public static Plan plan(ClusterConnection c, String resource, Map<String, String> set, List<String> delete) {
        ConfigResource res = resource(resource);
        List<AlterConfigOp> ops = ops(set, delete);
        Config config = Futures.get(c.admin().describeConfigs(List.of(res)).all(), c, "describing the configs of " + label(res)).get(res);
        Futures.get(c.admin().incrementalAlterConfigs(Map.of(res, ops),
                new org.apache.kafka.clients.admin.AlterConfigsOptions().validateOnly(true)).all(), c, "altering the configs of " + label(res));
        List<Change> changes = new ArrayList<>();
        for (AlterConfigOp op : ops) {
            ConfigEntry now = config.get(op.configEntry().name());
            changes.add(new Change(op.configEntry().name(), now == null || now.isSensitive() ? null : now.value(),
                    now == null ? "NONE" : now.source().name(), op.opType() == AlterConfigOp.OpType.SET ? op.configEntry().value() : null));
        }
        return new Plan(resource, changes);
    }

    /** Makes the planned change. */
    public static void apply(ClusterConnection c, Plan plan) {
        Map<String, String> set = new java.util.LinkedHashMap<>();
        List<String> delete = new ArrayList<>();
        plan.changes().forEach(ch -> {
            if (ch.next() == null) {
                delete.add(ch.name());
            } else {
                set.put(ch.name(), ch.next());
            }
        });
        alter(c, resource(plan.resource()), set, delete);
    }

    /** What a rollback file holds: the values to set and the keys to remove to undo a change. */
    public record Undo(String resource, Map<String, String> set, List<String> delete, List<String> unrestorable) {
    }

    /**
     * How to undo {@code plan}: a key that had an override of its own gets its value back, any other loses the one
     * the change gives it. A sensitive override (the cluster does not tell its value) cannot be restored: it is listed.
     */
    public static Undo undo(Plan plan) {
        Map<String, String> set = new java.util.TreeMap<>();
        List<String> delete = new ArrayList<>();
        List<String> unrestorable = new ArrayList<>();
        for (Change ch : plan.changes()) {
            // DYNAMIC_DEFAULT_BROKER_CONFIG is the cluster-wide default: the resource's own override only on broker:
            boolean override = ch.source().startsWith("DYNAMIC_")
                    && (!ch.source().equals("DYNAMIC_DEFAULT_BROKER_CONFIG") || plan.resource().equals("broker:"));
            if (!override) {
                delete.add(ch.name());
            } else if (ch.current() == null) {
                unrestorable.add(ch.name());
            } else {
                set.put(ch.name(), ch.current());
            }
        }
        return new Undo(plan.resource(), set, delete, unrestorable);
    }

    /** {@code undo} as the JSON of a rollback file. */
    public static String toJson(Undo undo) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(undo) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a record of strings did not serialise", e);
        }
    }

    /** A rollback file's change; a USAGE error naming {@code where} when it is not one. */
    public static Undo fromJson(String json, String where) {
        com.fasterxml.jackson.databind.JsonNode n;
        try {
            n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new OpsException(OpsException.Kind.USAGE, where + ": not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject() || !n.path("resource").isTextual() || !n.path("set").isObject() || !n.path("delete").isArray()) {
            throw new OpsException(OpsException.Kind.USAGE, where + ": expected {\"resource\": \"topic:NAME\", \"set\": {KEY: VALUE}, "
                    + "\"delete\": [KEY...]} (the rollback file of sluice config set/delete)");
        }
        Map<String, String> set = new java.util.LinkedHashMap<>();
        n.get("set").fields().forEachRemaining(e -> set.put(e.getKey(), e.getValue().asText()));
        List<String> delete = new ArrayList<>();
        n.get("delete").forEach(k -> delete.add(k.asText()));
        resource(n.get("resource").textValue());
        return new Undo(n.get("resource").textValue(), set, delete, List.of());
    }

    private static List<AlterConfigOp> ops(Map<String, String> set, List<String> delete) {
        List<AlterConfigOp> ops = new ArrayList<>();
        set.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        delete.forEach(k -> ops.add(new AlterConfigOp(new ConfigEntry(k, ""), AlterConfigOp.OpType.DELETE)));
        if (ops.isEmpty()) {
            throw new OpsException(OpsException.Kind.USAGE, "nothing to change: give KEY=VALUE to set or KEY to delete");
        }
        return ops;
    }

    static String label(ConfigResource res) {
        return res.type().name().toLowerCase(java.util.Locale.ROOT) + " " + res.name();
    }
}
