package io.sluice.brokerd.security;

import io.sluice.brokerd.metadata.ScramCredential;

import java.util.Optional;

/** Where authentication reads SCRAM credentials: this broker's metadata image. Thread-safe. */
@FunctionalInterface
public interface ScramCredentials {
    Optional<ScramCredential> credential(String user, ScramMechanism mechanism);
}
