package io.sluice.brokerd.security;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The client side of one SCRAM exchange (RFC 5802), as brokers use it towards each other on a SASL inter-broker
 * listener: the client-first-message, then from the server-first-message the client-final-message, then the check of
 * the server's signature ({@link #verifyServerFinal}). Tests also build librdkafka's legacy form with it (the client
 * nonce prefixed once more). Not thread-safe: one instance per exchange.
 */
public final class ScramClient {
    final ScramMechanism mechanism;
    final String user;
    final String password;
    final String clientNonce;
    String clientFirstBare;
    String serverFirst;
    String authMessage;
    byte[] saltedPassword;

    /** {@code clientNonce}: printable ASCII without commas, fresh and random for every exchange. */
    public ScramClient(ScramMechanism mechanism, String user, String password, String clientNonce) {
        this.mechanism = mechanism;
        this.user = user;
        this.password = password;
        this.clientNonce = clientNonce;
    }

    public byte[] first() {
        clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
        return ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

    /** The client-final-message for the server's {@code serverFirstBytes}; IllegalArgumentException if malformed. */
    public byte[] last(byte[] serverFirstBytes) {
        String message = new String(serverFirstBytes, StandardCharsets.UTF_8);
        String nonce = field(message, "r");
        if (!nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw new IllegalArgumentException("the server's nonce does not extend the client's");
        }
        int iterations = Integer.parseInt(field(message, "i"));
        if (iterations < ScramMechanism.MIN_ITERATIONS) {
            throw new IllegalArgumentException("the server asks for " + iterations + " iterations, fewer than "
                    + ScramMechanism.MIN_ITERATIONS);
        }
        return last(serverFirstBytes, false);
    }

    /** Without the checks of {@link #last(byte[])}; {@code legacyNonce}: librdkafka's form (tests). */
    byte[] last(byte[] serverFirstBytes, boolean legacyNonce) {
        serverFirst = new String(serverFirstBytes, StandardCharsets.UTF_8);
        String nonce = field(serverFirst, "r");
        byte[] salt = Base64.getDecoder().decode(field(serverFirst, "s"));
        int iterations = Integer.parseInt(field(serverFirst, "i"));
        saltedPassword = mechanism.hi(password.getBytes(StandardCharsets.UTF_8), salt, iterations);
        String withoutProof = "c=biws,r=" + (legacyNonce ? clientNonce + nonce : nonce);
        authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] clientKey = mechanism.clientKey(saltedPassword);
        byte[] signature = mechanism.hmac(mechanism.hash(clientKey), authMessage.getBytes(StandardCharsets.UTF_8));
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ signature[i]);
        }
        return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
    }

    /** True when {@code serverFinal} carries the server signature only a holder of the ServerKey can make. */
    public boolean verifyServerFinal(byte[] serverFinal) {
        return java.security.MessageDigest.isEqual(expectedServerFinal().getBytes(StandardCharsets.UTF_8), serverFinal);
    }

    /** The server signature the server-final-message must carry. */
    String expectedServerFinal() {
        byte[] serverKey = mechanism.hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
        return "v=" + Base64.getEncoder().encodeToString(mechanism.hmac(serverKey, authMessage.getBytes(StandardCharsets.UTF_8)));
    }

    static String field(String message, String name) {
        for (String part : message.split(",")) {
            if (part.startsWith(name + "=")) {
                return part.substring(name.length() + 1);
            }
        }
        throw new IllegalArgumentException("no " + name + "= in the SCRAM server message");
    }
}
