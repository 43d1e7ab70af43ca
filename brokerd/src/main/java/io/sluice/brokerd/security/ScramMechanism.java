package io.sluice.brokerd.security;

import io.sluice.brokerd.metadata.ScramCredential;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The SCRAM mechanisms brokerd serves (RFC 5802 with SHA-256 as RFC 7677, and SHA-512 as Kafka), with the key
 * derivation they share. {@link #type} is the mechanism's number in AlterUserScramCredentials and
 * DescribeUserScramCredentials (Kafka's {@code ScramMechanism}: 1 and 2). Iterations are bounded as Kafka bounds them:
 * at least 4096, at most 16384. Thread-safe (every call makes its own Mac and digest).
 */
public enum ScramMechanism {
    SCRAM_SHA_256("SCRAM-SHA-256", (byte) 1, "SHA-256", "HmacSHA256"),
    SCRAM_SHA_512("SCRAM-SHA-512", (byte) 2, "SHA-512", "HmacSHA512");

    public static final int MIN_ITERATIONS = 4096;
    public static final int MAX_ITERATIONS = 16384;

    private final String mechanismName;
    private final byte type;
    private final String hashAlgorithm;
    private final String macAlgorithm;

    ScramMechanism(String mechanismName, byte type, String hashAlgorithm, String macAlgorithm) {
        this.mechanismName = mechanismName;
        this.type = type;
        this.hashAlgorithm = hashAlgorithm;
        this.macAlgorithm = macAlgorithm;
    }

    /** The SASL mechanism name, e.g. {@code SCRAM-SHA-256}. */
    public String mechanismName() {
        return mechanismName;
    }

    public byte type() {
        return type;
    }

    public static Optional<ScramMechanism> forName(String name) {
        for (ScramMechanism m : values()) {
            if (m.mechanismName.equals(name)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    public static Optional<ScramMechanism> forType(byte type) {
        for (ScramMechanism m : values()) {
            if (m.type == type) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    /** RFC 5802 Hi(): PBKDF2 with this mechanism's HMAC, one block. {@code password} is normalized by the caller. */
    public byte[] hi(byte[] password, byte[] salt, int iterations) {
        try {
            Mac mac = mac(password);
            mac.update(salt);
            mac.update(new byte[]{0, 0, 0, 1});
            byte[] u = mac.doFinal();
            byte[] result = u.clone();
            for (int i = 1; i < iterations; i++) {
                u = mac.doFinal(u);
                for (int j = 0; j < result.length; j++) {
                    result[j] ^= u[j];
                }
            }
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(macAlgorithm + " is not available in this JVM", e);
        }
    }

    public byte[] hmac(byte[] key, byte[] data) {
        try {
            return mac(key).doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(macAlgorithm + " is not available in this JVM", e);
        }
    }

    public byte[] hash(byte[] data) {
        try {
            return MessageDigest.getInstance(hashAlgorithm).digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(hashAlgorithm + " is not available in this JVM", e);
        }
    }

    private Mac mac(byte[] key) throws GeneralSecurityException {
        Mac mac = Mac.getInstance(macAlgorithm);
        // An empty key is legal in HMAC but not in SecretKeySpec: a zero-length key and a single zero byte are the
        // same HMAC key (keys are zero-padded to the block size).
        mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, macAlgorithm));
        return mac;
    }

    /** ClientKey = HMAC(SaltedPassword, "Client Key"). */
    public byte[] clientKey(byte[] saltedPassword) {
        return hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII));
    }

    /** The credential the server stores for a salted password (the Admin API sends the salted password, not the password). */
    public ScramCredential credential(byte[] saltedPassword, byte[] salt, int iterations) {
        byte[] storedKey = hash(clientKey(saltedPassword));
        byte[] serverKey = hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
        return new ScramCredential(salt, storedKey, serverKey, iterations);
    }

    /** The credential for a clear password (bootstrap users): Hi(password, salt, iterations) first. */
    public ScramCredential credentialForPassword(String password, byte[] salt, int iterations) {
        return credential(hi(password.getBytes(StandardCharsets.UTF_8), salt, iterations), salt, iterations);
    }

    /** True when {@code password} is the one {@code credential} was made from (PLAIN against the SCRAM store). */
    public boolean matches(ScramCredential credential, String password) {
        byte[] salted = hi(password.getBytes(StandardCharsets.UTF_8), credential.salt(), credential.iterations());
        return MessageDigest.isEqual(hash(clientKey(salted)), credential.storedKey());
    }
}
