package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.Configs;
import io.sluice.ops.OpsException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The config change that {@code config set}, {@code config delete} and {@code topic alter-config} share: the plan (each
 * key's value and source now, and what it becomes, validated by the cluster), applied only with {@code --execute}
 * after the values it replaces went to a rollback file that {@code config set --from-file FILE --execute} applies.
 */
final class ConfigChangeRun {
    private ConfigChangeRun() {
    }

    /** {@code key, value, ...} as a map in that order: the JSON fields of a command's output. */
    static Map<String, Object> fields(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** A change read from a rollback file given with --from-file; null when none was given. */
    static Configs.Undo fromFile(Path file, String resourceGiven) {
        if (file == null) {
            return null;
        }
        Configs.Undo undo = Configs.fromJson(Rollbacks.read(file), file.toString());
        if (resourceGiven != null && !resourceGiven.equals(undo.resource())) {
            throw new OpsException(OpsException.Kind.USAGE, file + " changes " + undo.resource() + ", not " + resourceGiven);
        }
        return undo;
    }

    /**
     * Plans (and with {@code execute} makes) the change; {@code legacy} are the JSON fields the command printed before
     * it had a plan, kept for scripts.
     */
    static int run(BaseCommand cmd, String resource, Map<String, String> set, List<String> delete, boolean execute,
                   Map<String, Object> legacy) {
        Configs.Plan plan;
        Path rollback = null;
        Configs.Undo undo = null;
        try (ClusterConnection c = cmd.globals().connect()) {
            plan = Configs.plan(c, resource, set, delete);
            if (execute) {
                undo = Configs.undo(plan);
                rollback = Rollbacks.write("config", resource, "json", Configs.toJson(undo));
                Configs.Plan planned = plan;
                Rollbacks.applying(rollback, () -> {
                    Configs.apply(c, planned);
                    return null;
                });
            }
        }
        if (undo != null && !undo.unrestorable().isEmpty()) {
            cmd.spec.commandLine().getErr().println("sluice: the rollback file cannot restore " + String.join(", ", undo.unrestorable())
                    + ": the cluster does not tell the values of sensitive configs");
            cmd.spec.commandLine().getErr().flush();
        }
        Output out = cmd.output();
        if (out.structured()) {
            Map<String, Object> m = new LinkedHashMap<>(legacy);
            m.put("changes", plan.changes());
            m.put("executed", execute);
            m.put("rollbackFile", rollback == null ? null : rollback.toString());
            out.object(m);
            return ExitCodes.OK;
        }
        if (execute) {
            plan.changes().forEach(ch -> out.line(resource + ": " + ch.name() + (ch.next() == null ? " reset to default" : " = " + ch.next())));
            if (out.headers()) {
                out.line("undo: sluice config set --from-file " + rollback + " --execute");
            }
            return ExitCodes.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        plan.changes().forEach(ch -> rows.add(List.of(ch.name(), ch.current() == null ? "-" : ch.current(), ch.source(),
                ch.next() == null ? "(default)" : ch.next())));
        out.table(List.of("NAME", "CURRENT", "SOURCE", "NEW"), rows);
        if (out.headers()) {
            out.line("dry run: nothing changed; add --execute to apply");
        }
        return ExitCodes.OK;
    }
}
