package io.sluice.brokerd.api;

import io.sluice.brokerd.controller.CommandResult;
import io.sluice.brokerd.controller.MetadataCommand;
import io.sluice.brokerd.metadata.MetadataImage;
import io.sluice.brokerd.metadata.ScramCredential;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import io.sluice.brokerd.security.ScramMechanism;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * AlterUserScramCredentials (key 51, v0) and DescribeUserScramCredentials (key 50, v0): the SCRAM credential store in
 * the controller metadata. The client sends the salt and the salted password (never the password); the broker keeps
 * only StoredKey and ServerKey derived from them ({@link ScramMechanism#credential}). Validation and error texts as
 * Kafka's: per user, a user whose changes have an error changes nothing, the other users' changes are applied (one
 * metadata command per user). Iterations 4096..16384.
 */
public final class ScramCredentialsHandlers {
    private final Supplier<MetadataImage> image;
    private final Function<MetadataCommand.AlterScramCredentials, CommandResult> submit;

    /** {@code submit} proposes a command to the controller and waits until it is applied here (blocking). */
    public ScramCredentialsHandlers(Supplier<MetadataImage> image, Function<MetadataCommand.AlterScramCredentials, CommandResult> submit) {
        this.image = image;
        this.submit = submit;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, 0, 0, (ctx, r) ->
                CompletableFuture.completedFuture(describe((DescribeUserScramCredentialsRequestData) r)));
        apis.register(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, 0, 0, (ctx, r) ->
                CompletableFuture.supplyAsync(() -> alter((AlterUserScramCredentialsRequestData) r), ctx.executor()));
    }

    DescribeUserScramCredentialsResponseData describe(DescribeUserScramCredentialsRequestData request) {
        Map<String, ? extends Map<String, ScramCredential>> store = image.get().scramCredentials();
        List<DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult> results = new ArrayList<>();
        if (request.users() == null || request.users().isEmpty()) {
            store.forEach((user, creds) -> results.add(described(user, creds)));
        } else {
            Set<String> seen = new HashSet<>();
            Set<String> duplicates = new HashSet<>();
            for (DescribeUserScramCredentialsRequestData.UserName u : request.users()) {
                if (!seen.add(u.name())) {
                    duplicates.add(u.name());
                }
            }
            Set<String> answered = new HashSet<>();
            for (DescribeUserScramCredentialsRequestData.UserName u : request.users()) {
                if (!answered.add(u.name())) {
                    continue;
                }
                if (duplicates.contains(u.name())) {
                    results.add(describeError(u.name(), Errors.DUPLICATE_RESOURCE,
                            "Cannot describe SCRAM credentials for the same user twice in a single request: " + u.name()));
                } else if (!store.containsKey(u.name())) {
                    results.add(describeError(u.name(), Errors.RESOURCE_NOT_FOUND,
                            "Attempt to describe a user credential that does not exist: " + u.name()));
                } else {
                    results.add(described(u.name(), store.get(u.name())));
                }
            }
        }
        return new DescribeUserScramCredentialsResponseData().setErrorCode(Errors.NONE.code()).setResults(results);
    }

    private static DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult described(
            String user, Map<String, ScramCredential> creds) {
        List<DescribeUserScramCredentialsResponseData.CredentialInfo> infos = new ArrayList<>();
        creds.forEach((mechanism, c) -> ScramMechanism.forName(mechanism).ifPresent(m -> infos.add(
                new DescribeUserScramCredentialsResponseData.CredentialInfo().setMechanism(m.type()).setIterations(c.iterations()))));
        return new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult()
                .setUser(user).setErrorCode(Errors.NONE.code()).setCredentialInfos(infos);
    }

    private static DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult describeError(
            String user, Errors error, String message) {
        return new DescribeUserScramCredentialsResponseData.DescribeUserScramCredentialsResult()
                .setUser(user).setErrorCode(error.code()).setErrorMessage(message);
    }

    /** One user's changes of a request. */
    private static final class UserChanges {
        final List<MetadataCommand.ScramUpsertion> upsertions = new ArrayList<>();
        final List<MetadataCommand.ScramDeletion> deletions = new ArrayList<>();
        final Set<String> mechanisms = new HashSet<>();
        Errors error = Errors.NONE;
        String message;

        void fail(Errors e, String m) {
            if (error == Errors.NONE) {
                error = e;
                message = m;
            }
        }
    }

    AlterUserScramCredentialsResponseData alter(AlterUserScramCredentialsRequestData request) {
        Map<String, UserChanges> byUser = new LinkedHashMap<>();
        MetadataImage current = image.get();
        for (AlterUserScramCredentialsRequestData.ScramCredentialDeletion d : request.deletions()) {
            UserChanges u = byUser.computeIfAbsent(d.name(), k -> new UserChanges());
            Optional<ScramMechanism> m = check(u, d.name(), d.mechanism());
            if (m.isPresent()) {
                if (current.scramCredential(d.name(), m.get().mechanismName()).isEmpty()) {
                    u.fail(Errors.RESOURCE_NOT_FOUND, "Attempt to delete a user credential that does not exist");
                }
                u.deletions.add(new MetadataCommand.ScramDeletion(d.name(), m.get().mechanismName()));
            }
        }
        for (AlterUserScramCredentialsRequestData.ScramCredentialUpsertion up : request.upsertions()) {
            UserChanges u = byUser.computeIfAbsent(up.name(), k -> new UserChanges());
            Optional<ScramMechanism> m = check(u, up.name(), up.mechanism());
            if (m.isEmpty()) {
                continue;
            }
            if (up.iterations() < ScramMechanism.MIN_ITERATIONS) {
                u.fail(Errors.UNACCEPTABLE_CREDENTIAL, "Too few iterations");
            } else if (up.iterations() > ScramMechanism.MAX_ITERATIONS) {
                u.fail(Errors.UNACCEPTABLE_CREDENTIAL, "Too many iterations");
            } else if (up.salt() == null || up.salt().length == 0) {
                u.fail(Errors.UNACCEPTABLE_CREDENTIAL, "Salt must not be empty");
            } else if (up.saltedPassword() == null || up.saltedPassword().length == 0) {
                u.fail(Errors.UNACCEPTABLE_CREDENTIAL, "Salted password must not be empty");
            } else {
                u.upsertions.add(new MetadataCommand.ScramUpsertion(up.name(), m.get().mechanismName(),
                        m.get().credential(up.saltedPassword(), up.salt(), up.iterations())));
            }
        }
        List<AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult> results = new ArrayList<>();
        byUser.forEach((user, u) -> {
            if (u.error == Errors.NONE) {
                CommandResult r = submit.apply(new MetadataCommand.AlterScramCredentials(u.upsertions, u.deletions, false));
                if (!r.isOk()) {
                    u.fail(r.error() == io.sluice.brokerd.controller.ControllerError.RESOURCE_NOT_FOUND
                            ? Errors.RESOURCE_NOT_FOUND : Errors.REQUEST_TIMED_OUT, r.message());
                }
            }
            results.add(new AlterUserScramCredentialsResponseData.AlterUserScramCredentialsResult()
                    .setUser(user).setErrorCode(u.error.code()).setErrorMessage(u.message));
        });
        return new AlterUserScramCredentialsResponseData().setResults(results);
    }

    /** The mechanism of one change, after the checks every change has; empty (and the user failed) if invalid. */
    private static Optional<ScramMechanism> check(UserChanges u, String user, byte type) {
        if (user.isEmpty()) {
            u.fail(Errors.UNACCEPTABLE_CREDENTIAL, "Username must not be empty");
            return Optional.empty();
        }
        Optional<ScramMechanism> m = ScramMechanism.forType(type);
        if (m.isEmpty()) {
            u.fail(Errors.UNSUPPORTED_SASL_MECHANISM, "Unknown SCRAM mechanism");
            return Optional.empty();
        }
        if (!u.mechanisms.add(m.get().mechanismName())) {
            u.fail(Errors.DUPLICATE_RESOURCE, "A user credential cannot be altered twice in the same request");
        }
        return m;
    }
}
