package io.sluice.ops;

import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.admin.UserScramCredentialsDescription;
import org.apache.kafka.common.errors.ResourceNotFoundException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * SCRAM users for operators (sluice user) over DescribeUserScramCredentials and AlterUserScramCredentials. The client
 * salts and hashes the password (kafka-clients' upsertion), so the password never travels to the cluster. Stateless.
 */
public final class Users {
    /** Kafka's default and minimum iteration count (kafka-configs.sh, ScramMechanism). */
    public static final int DEFAULT_ITERATIONS = 4096;

    private Users() {
    }

    /** A user and its SCRAM credentials (mechanism and iterations; never a salt or hash). */
    public record User(String name, List<Credential> credentials) {
    }

    public record Credential(String mechanism, int iterations) {
    }

    /** {@code SCRAM-SHA-256} or {@code SCRAM-SHA-512}, else a usage error. */
    public static ScramMechanism mechanism(String word) {
        ScramMechanism m = ScramMechanism.fromMechanismName(word.trim().toUpperCase(Locale.ROOT));
        if (m == ScramMechanism.UNKNOWN) {
            throw new OpsException(OpsException.Kind.USAGE, "--mechanism " + word + ": expected SCRAM-SHA-256 or SCRAM-SHA-512");
        }
        return m;
    }

    /** Every SCRAM user (or only {@code names}), by name. */
    public static List<User> list(ClusterConnection c, List<String> names) {
        Map<String, UserScramCredentialsDescription> d;
        try {
            d = (names.isEmpty() ? c.admin().describeUserScramCredentials() : c.admin().describeUserScramCredentials(names)).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpsException(OpsException.Kind.ERROR, "describing users: interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ResourceNotFoundException) {
                throw new OpsException(OpsException.Kind.NOT_FOUND, "describing users: " + e.getCause().getMessage(), e.getCause());
            }
            throw Futures.translate(e.getCause(), c, "describing users");
        }
        List<User> out = new ArrayList<>();
        d.forEach((name, desc) -> out.add(new User(name, desc.credentialInfos().stream()
                .map(i -> new Credential(i.mechanism().mechanismName(), i.iterations()))
                .sorted(Comparator.comparing(Credential::mechanism)).toList())));
        out.sort(Comparator.comparing(User::name));
        return out;
    }

    /** The user's credential for {@code mechanism}, or null when it has none (or does not exist). */
    public static Credential credential(ClusterConnection c, String user, ScramMechanism mechanism) {
        for (User u : list(c, List.of())) {
            if (u.name().equals(user)) {
                return u.credentials().stream().filter(cr -> cr.mechanism().equals(mechanism.mechanismName())).findFirst().orElse(null);
            }
        }
        return null;
    }

    /** Sets the user's password for {@code mechanism} (creating the user); the client salts it. */
    public static void upsert(ClusterConnection c, String user, ScramMechanism mechanism, int iterations, String password) {
        if (iterations < DEFAULT_ITERATIONS) {
            throw new OpsException(OpsException.Kind.USAGE, "--iterations " + iterations + ": at least " + DEFAULT_ITERATIONS + " (Kafka's minimum)");
        }
        List<UserScramCredentialAlteration> change = List.of(new UserScramCredentialUpsertion(user,
                new ScramCredentialInfo(mechanism, iterations), password));
        Futures.get(c.admin().alterUserScramCredentials(change).all(), c, "altering the credentials of user " + user);
    }

    /** Removes the user's credentials for {@code mechanisms}. */
    public static void delete(ClusterConnection c, String user, List<ScramMechanism> mechanisms) {
        List<UserScramCredentialAlteration> change = new ArrayList<>();
        mechanisms.forEach(m -> change.add(new UserScramCredentialDeletion(user, m)));
        Futures.get(c.admin().alterUserScramCredentials(change).all(), c, "deleting the credentials of user " + user);
    }
}
