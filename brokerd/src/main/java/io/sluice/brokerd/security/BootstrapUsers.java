package io.sluice.brokerd.security;

import io.sluice.brokerd.controller.MetadataCommand;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The first users of a cluster, from {@code sasl.bootstrap.users.file} ({@link UserPasswordFile}: NAME:PASSWORD
 * lines, owner-only): one metadata command that sets a SCRAM credential per user and mechanism (a fresh random salt
 * each, {@link #ITERATIONS} iterations) and that the controller applies only while it holds no SCRAM credential at
 * all. So the file is applied once, by whichever broker gets there first, and never overwrites users made later
 * (nor brings back one deleted since): after the bootstrap, change passwords with kafka-configs.sh or the Admin API.
 */
public final class BootstrapUsers {
    /** Kafka's default for kafka-configs.sh --add-config 'SCRAM-SHA-256=[password=...]' is 4096; brokerd salts harder. */
    public static final int ITERATIONS = 8192;

    private BootstrapUsers() {
    }

    /** Credentials for every user of {@code users} (name to password) and every one of {@code mechanisms}. */
    public static MetadataCommand.AlterScramCredentials command(Map<String, String> users, Collection<ScramMechanism> mechanisms,
                                                                SecureRandom random) {
        List<MetadataCommand.ScramUpsertion> upsertions = new ArrayList<>();
        users.forEach((user, password) -> {
            for (ScramMechanism m : mechanisms) {
                byte[] salt = new byte[32];
                random.nextBytes(salt);
                upsertions.add(new MetadataCommand.ScramUpsertion(user, m.mechanismName(),
                        m.credentialForPassword(password, salt, ITERATIONS)));
            }
        });
        return new MetadataCommand.AlterScramCredentials(upsertions, List.of(), true);
    }
}
