package io.sluice.ctl;

import io.sluice.ops.ClusterConnection;
import io.sluice.ops.OpsException;
import io.sluice.ops.Users;
import org.apache.kafka.clients.admin.ScramMechanism;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code sluice user create|list|delete|passwd}: SCRAM users (AlterUserScramCredentials,
 * DescribeUserScramCredentials), as kafka-configs.sh --entity-type users and rpk security user do. The client salts
 * the password; it is read from a file, a named variable or a prompt (typed twice), never from the command line.
 */
@Command(name = "user", description = "Manage SCRAM users (SASL/SCRAM-SHA-256 and -512 credentials).",
        subcommands = {UserCommands.Create.class, UserCommands.ListUsers.class, UserCommands.Passwd.class, UserCommands.Delete.class})
final class UserCommands {

    /** Completion candidates of --mechanism. */
    static final class Scram extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Scram() {
            super(List.of("SCRAM-SHA-256", "SCRAM-SHA-512"));
        }
    }

    /** Where a new password comes from, and the SCRAM parameters. */
    static final class NewPassword {
        @Option(names = "--mechanism", paramLabel = "MECHANISM", completionCandidates = Scram.class, description = "SCRAM-SHA-256 (default) or SCRAM-SHA-512")
        String mechanism = "SCRAM-SHA-256";

        @Option(names = "--iterations", paramLabel = "N", description = "SCRAM iterations (default and minimum: 4096, as Kafka)")
        int iterations = Users.DEFAULT_ITERATIONS;

        @Option(names = "--new-password-file", paramLabel = "FILE", description = "Read the new password from FILE's first line (chmod 600)")
        java.io.File file;

        @Option(names = "--new-password-env", paramLabel = "VAR", description = "Read the new password from environment variable VAR")
        String env;

        String read(String user) {
            if (file != null && env != null) {
                throw new OpsException(OpsException.Kind.USAGE, "give either --new-password-file or --new-password-env, not both");
            }
            return Passwords.system().readNew(file == null ? null : file.getPath(), env, "user " + user);
        }
    }

    @Command(name = "create", footerHeading = Output.JSON_HEADING, footer = "{\"user\", \"mechanism\", \"iterations\", \"status\": \"created\"}.",
            description = {"Create a SCRAM user (refused when it already has a credential for the mechanism: use passwd).",
                    "The password comes from --new-password-file, --new-password-env or a prompt (typed twice) on a terminal."})
    static final class Create extends BaseCommand {
        @Parameters(paramLabel = "USER")
        String user;

        @Mixin
        NewPassword password;

        @Override
        public Integer call() {
            return upsert(this, user, password, true);
        }
    }

    @Command(name = "passwd", footerHeading = Output.JSON_HEADING, footer = "{\"user\", \"mechanism\", \"iterations\", \"status\": \"changed\"}.",
            description = "Change a SCRAM user's password (for --mechanism; the user must have a credential for it).")
    static final class Passwd extends BaseCommand {
        @Parameters(paramLabel = "USER")
        String user;

        @Mixin
        NewPassword password;

        @Override
        public Integer call() {
            return upsert(this, user, password, false);
        }
    }

    private static int upsert(BaseCommand cmd, String user, NewPassword np, boolean create) {
        ScramMechanism mechanism = Users.mechanism(np.mechanism);
        if (np.iterations < Users.DEFAULT_ITERATIONS) {
            throw new OpsException(OpsException.Kind.USAGE, "--iterations " + np.iterations + ": at least " + Users.DEFAULT_ITERATIONS + " (Kafka's minimum)");
        }
        try (ClusterConnection c = cmd.globals().connect()) {
            Users.Credential existing = Users.credential(c, user, mechanism);
            if (create && existing != null) {
                throw new OpsException(OpsException.Kind.USAGE, "user " + user + " already has a " + mechanism.mechanismName()
                        + " credential (sluice user passwd " + user + " changes its password)");
            }
            if (!create && existing == null) {
                throw new OpsException(OpsException.Kind.NOT_FOUND, "user " + user + " has no " + mechanism.mechanismName()
                        + " credential (sluice user list; sluice user create " + user + ")");
            }
            String password = np.read(user);
            Users.upsert(c, user, mechanism, np.iterations, password);
        }
        String status = create ? "created" : "changed";
        Output out = cmd.output();
        if (out.structured()) {
            out.object(ConfigChangeRun.fields("user", user, "mechanism", mechanism.mechanismName(), "iterations", np.iterations, "status", status));
        } else {
            out.line("user " + user + " " + (create ? "created" : "password changed") + " (" + mechanism.mechanismName() + ", " + np.iterations + " iterations)");
        }
        return ExitCodes.OK;
    }

    @Command(name = "list", aliases = "ls", footerHeading = Output.JSON_HEADING,
            footer = "An array of {\"name\", \"credentials\": [{\"mechanism\", \"iterations\"}]}, ordered by name.",
            description = "SCRAM users and their mechanisms (never a salt or a hash).")
    static final class ListUsers extends BaseCommand {
        @Parameters(paramLabel = "USER", arity = "0..*", description = "Only these users (exit 3 when one has no credentials)")
        List<String> users = new ArrayList<>();

        @Override
        public Integer call() {
            try (ClusterConnection c = globals().connect()) {
                List<Users.User> list = Users.list(c, users);
                Output out = output();
                if (out.structured()) {
                    out.object(list);
                } else {
                    List<List<String>> rows = new ArrayList<>();
                    list.forEach(u -> u.credentials().forEach(cr -> rows.add(List.of(u.name(), cr.mechanism(), String.valueOf(cr.iterations())))));
                    out.table(List.of("USER", "MECHANISM", "ITERATIONS"), rows);
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "delete", footerHeading = Output.JSON_HEADING, footer = "{\"user\", \"mechanisms\": [NAME], \"status\": \"deleted\"}.",
            description = "Delete a SCRAM user's credentials: all of them, or --mechanism's only. Its ACLs stay (sluice acl delete --principal User:NAME).")
    static final class Delete extends BaseCommand {
        @Parameters(paramLabel = "USER")
        String user;

        @Option(names = "--mechanism", paramLabel = "MECHANISM", completionCandidates = Scram.class, description = "Only this mechanism's credential")
        String mechanism;

        @Override
        public Integer call() {
            List<ScramMechanism> mechanisms = new ArrayList<>();
            try (ClusterConnection c = globals().connect()) {
                if (mechanism != null) {
                    ScramMechanism m = Users.mechanism(mechanism);
                    if (Users.credential(c, user, m) == null) {
                        throw new OpsException(OpsException.Kind.NOT_FOUND, "user " + user + " has no " + m.mechanismName() + " credential");
                    }
                    mechanisms.add(m);
                } else {
                    for (ScramMechanism m : List.of(ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512)) {
                        if (Users.credential(c, user, m) != null) {
                            mechanisms.add(m);
                        }
                    }
                    if (mechanisms.isEmpty()) {
                        throw new OpsException(OpsException.Kind.NOT_FOUND, "no SCRAM user " + user + " (sluice user list)");
                    }
                }
                Users.delete(c, user, mechanisms);
            }
            List<String> names = mechanisms.stream().map(ScramMechanism::mechanismName).toList();
            Output out = output();
            if (out.structured()) {
                out.object(Map.of("user", user, "mechanisms", names, "status", "deleted"));
            } else {
                out.line("user " + user + " deleted (" + String.join(", ", names) + ")");
            }
            return ExitCodes.OK;
        }
    }

    private UserCommands() {
    }
}
