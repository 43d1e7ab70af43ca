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
        Config config = Futures.get(c.admin().describeConfigs(List.of(res)).all(), c, "describing " + label(res)).get(res);
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
        List<AlterConfigOp> ops = new ArrayList<>();
        set.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
        delete.forEach(k -> ops.add(new AlterConfigOp(new ConfigEntry(k, ""), AlterConfigOp.OpType.DELETE)));
        if (ops.isEmpty()) {
            throw new OpsException(OpsException.Kind.USAGE, "nothing to change: give KEY=VALUE to set or KEY to delete");
        }
        Futures.get(c.admin().incrementalAlterConfigs(Map.of(res, ops)).all(), c, "altering " + label(res));
    }

    static String label(ConfigResource res) {
        return res.type().name().toLowerCase(java.util.Locale.ROOT) + " " + res.name();
    }
}
