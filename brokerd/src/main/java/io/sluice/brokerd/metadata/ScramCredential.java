package io.sluice.brokerd.metadata;

import java.util.Arrays;
import java.util.Base64;

/**
 * One user's SCRAM credential for one mechanism, as RFC 5802 has the server store it: the salt, the iteration count
 * and the two keys derived from the salted password ({@code StoredKey = H(HMAC(SaltedPassword, "Client Key"))},
 * {@code ServerKey = HMAC(SaltedPassword, "Server Key")}). Neither the password nor the salted password is kept: a
 * copy of the metadata lets no one log in (though it allows an offline guess of weak passwords, as with Kafka).
 * In JSON (snapshots, log entries) the byte arrays are base64.
 */
public record ScramCredential(byte[] salt, byte[] storedKey, byte[] serverKey, int iterations) {
    public ScramCredential {
        salt = salt.clone();
        storedKey = storedKey.clone();
        serverKey = serverKey.clone();
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] storedKey() {
        return storedKey.clone();
    }

    @Override
    public byte[] serverKey() {
        return serverKey.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScramCredential c && iterations == c.iterations && Arrays.equals(salt, c.salt)
                && Arrays.equals(storedKey, c.storedKey) && Arrays.equals(serverKey, c.serverKey);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(salt) + Arrays.hashCode(storedKey)) + iterations;
    }

    /** No key material: the salt only (as Kafka's kafka-configs.sh --describe shows). */
    @Override
    public String toString() {
        return "ScramCredential[salt=" + Base64.getEncoder().encodeToString(salt) + ", iterations=" + iterations + "]";
    }
}
