package io.sluice.brokerd.security;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A SCRAM client for tests (RFC 5802): builds the client-first-message and, from the server-first-message, the
 * client-final-message, in the RFC form or in librdkafka's legacy form (the client nonce prefixed once more).
 */
final class ScramClient {
    final ScramMechanism mechanism;
    final String user;
    final String password;
    final String clientNonce;
    String clientFirstBare;
    String serverFirst;
    String authMessage;
    byte[] saltedPassword;

    ScramClient(ScramMechanism mechanism, String user, String password, String clientNonce) {
        this.mechanism = mechanism;
        this.user = user;
        this.password = password;
        this.clientNonce = clientNonce;
    }

    byte[] first() {
        clientFirstBare = "n=" + user.replace("=", "=3D").replace(",", "=2C") + ",r=" + clientNonce;
        return ("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8);
    }

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
        throw new IllegalArgumentException("no " + name + " in " + message);
    }
}
