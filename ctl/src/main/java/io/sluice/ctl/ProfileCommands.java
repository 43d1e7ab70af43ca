package io.sluice.ctl;

import io.sluice.ops.OpsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code sluice profile create|use|list|delete}: named clusters, so --brokers and -X need not be repeated. */
@Command(name = "profile", description = "Manage named cluster profiles (see --profile).",
        subcommands = {ProfileCommands.Create.class, ProfileCommands.Use.class, ProfileCommands.ListProfiles.class, ProfileCommands.Delete.class})
final class ProfileCommands {

    @Command(name = "create", description = {"Create or replace a profile.",
            "The security flags given with it (--security-protocol, --sasl-mechanism, --user, --password-file or --password-env, "
                    + "--ca-file, --cert-file, --key-file) are stored in it; a password never is."})
    static final class Create extends BaseCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--set-brokers", required = true, paramLabel = "HOST:PORT[,...]", description = "Bootstrap servers of this cluster")
        String brokers;

        @Option(names = "--property", paramLabel = "KEY=VALUE", description = "Client property (TLS/SASL settings); repeatable")
        Map<String, String> properties = new LinkedHashMap<>();

        @Option(names = "--use", description = "Also make it the current profile")
        boolean use;

        @Override
        public Integer call() {
            Profiles.File f = Profiles.load();
            Profiles.Profile p = new Profiles.Profile();
            p.brokers = brokers;
            p.properties = new TreeMap<>(properties);
            ClientSecurity security = globals().security.settings();
            if (!security.isEmpty()) {
                security.validate(SluicePaths.system());
                p.security = security;
            }
            f.profiles.put(name, p);
            if (use || f.current == null) {
                f.current = name;
            }
            Profiles.save(f);
            output().line("profile " + name + " saved" + (name.equals(f.current) ? " (current)" : ""));
            return ExitCodes.OK;
        }
    }

    @Command(name = "use", description = "Make a profile the current one.")
    static final class Use extends BaseCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            Profiles.File f = Profiles.load();
            if (!f.profiles.containsKey(name)) {
                throw new OpsException(OpsException.Kind.NOT_FOUND, "no profile named " + name + " (sluice profile list)");
            }
            f.current = name;
            Profiles.save(f);
            output().line("current profile: " + name);
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", footerHeading = Output.JSON_HEADING,
        footer = "An array of {\"name\", \"brokers\", \"current\"} (client properties are left out: they may hold "
                + "credentials).",
        aliases = "ls", description = "Profiles; the current one is marked.")
    static final class ListProfiles extends BaseCommand {
        /** A profile in a listing (properties omitted: they may hold credentials). */
        record Row(String name, String brokers, boolean current) {
        }

        @Override
        public Integer call() {
            Profiles.File f = Profiles.load();
            List<Row> rows = new ArrayList<>();
            new TreeMap<>(f.profiles).forEach((n, p) -> rows.add(new Row(n, p.brokers, n.equals(f.current))));
            Output out = output();
            if (out.structured()) {
                out.object(rows);
            } else {
                List<List<String>> t = new ArrayList<>();
                rows.forEach(r -> t.add(List.of(r.current() ? "*" : "", r.name(), r.brokers())));
                out.table(List.of("", "NAME", "BROKERS"), t);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", description = "Delete a profile.")
    static final class Delete extends BaseCommand {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            Profiles.File f = Profiles.load();
            if (f.profiles.remove(name) == null) {
                throw new OpsException(OpsException.Kind.NOT_FOUND, "no profile named " + name);
            }
            if (name.equals(f.current)) {
                f.current = null;
            }
            Profiles.save(f);
            output().line("profile " + name + " deleted");
            return ExitCodes.OK;
        }
    }

    private ProfileCommands() {
    }
}
