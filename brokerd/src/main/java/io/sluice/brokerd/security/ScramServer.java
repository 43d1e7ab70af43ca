package io.sluice.brokerd.security;

import io.sluice.brokerd.metadata.ScramCredential;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server side of one SCRAM exchange (RFC 5802; SHA-256 per RFC 7677, SHA-512 as Kafka), against credentials
 * looked up by user name. States and transitions:
 * <pre>
 *   AWAIT_CLIENT_FIRST --client-first-message--> AWAIT_CLIENT_FINAL (answers server-first-message)
 *   AWAIT_CLIENT_FINAL --client-final-message, proof valid--> COMPLETE (answers server-final-message v=...)
 *   any state --bad message, wrong proof, or any message after COMPLETE/FAILED--> FAILED ({@link SaslFailure})
 * </pre>
 * What it checks, as RFC 5802 says a server must: the GS2 header (no channel binding: {@code n} or {@code y}; an
 * authorization id, if any, equal to the user name), the channel-binding field of the final message equal to the
 * base64 of that GS2 header, the nonce, and the proof ({@code H(proof XOR HMAC(StoredKey, AuthMessage)) == StoredKey},
 * compared in constant time). The only extension accepted is none: {@code tokenauth} (Kafka's delegation tokens) is
 * refused.
 * <p>
 * The nonce of the client-final-message must be the client's nonce followed by the server's ({@code r=} of the
 * server-first-message), except one legacy form: librdkafka before 2.6.1 (librdkafka PR 4895) prefixes the client
 * nonce a second time, sending {@code r=<client nonce><client nonce><server nonce>}. Kafka up to 3.8.0 accepted any
 * nonce, 3.8.1 to 3.9 any nonce ending with the combined one, and 4.0 only the exact one (CVE-2024-56128), which locks
 * out every client on Debian 12's or Ubuntu's librdkafka. brokerd accepts exactly the doubled form and nothing looser:
 * the full server nonce must be there, so a replayed final message from another exchange still fails, and the client
 * proof covers the nonce as sent. {@link #usedLegacyNonce()} tells the caller, which logs it.
 * <p>
 * Unknown users: the exchange goes on with a made-up credential (salt derived from the user name and a secret of
 * this process) and fails at the proof, so the answers do not tell whether a user exists.
 * <p>
 * Not thread-safe: one instance per exchange, driven by one connection's requests in order.
 */
public final class ScramServer {
    private static final Pattern CLIENT_FIRST = Pattern.compile(
            "(?<gs2>(?<cbflag>[ny]|p=[^,]*),(?:a=(?<authzid>[^,]*))?,)(?<bare>n=(?<saslname>[^,]*),r=(?<nonce>[\\x21-\\x2b\\x2d-\\x7e]+)(?<ext>(?:,[A-Za-z]+=[^,]*)*))");
    private static final Pattern CLIENT_FINAL = Pattern.compile(
            "(?<withoutProof>c=(?<cb>[A-Za-z0-9+/]+=*),r=(?<nonce>[\\x21-\\x2b\\x2d-\\x7e]+)(?:,[A-Za-z]+=[^,]*)*),p=(?<proof>[A-Za-z0-9+/]+=*)");
    private static final byte[] UNKNOWN_USER_SECRET = new byte[32];

    static {
        new SecureRandom().nextBytes(UNKNOWN_USER_SECRET);
    }

    enum State { AWAIT_CLIENT_FIRST, AWAIT_CLIENT_FINAL, COMPLETE, FAILED }

    private final ScramMechanism mechanism;
    private final Function<String, Optional<ScramCredential>> credentials;
    private final java.util.function.Supplier<String> serverNonces;
    private State state = State.AWAIT_CLIENT_FIRST;
    private String userName;
    private String gs2Header;
    private String clientFirstBare;
    private String clientNonce;
    private String serverFirst;
    private String combinedNonce;
    private ScramCredential credential;
    private boolean knownUser;
    private boolean legacyNonce;

    /** {@code credentials}: the user's credential for this mechanism, read when the client-first-message arrives. */
    public ScramServer(ScramMechanism mechanism, Function<String, Optional<ScramCredential>> credentials, SecureRandom random) {
        this(mechanism, credentials, () -> {
            byte[] nonce = new byte[24];
            random.nextBytes(nonce);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
        });
    }

    /** {@code serverNonces} gives the server's part of the nonce (printable ASCII without commas; tests fix it). */
    ScramServer(ScramMechanism mechanism, Function<String, Optional<ScramCredential>> credentials,
                java.util.function.Supplier<String> serverNonces) {
        this.mechanism = mechanism;
        this.credentials = credentials;
        this.serverNonces = serverNonces;
    }

    public ScramMechanism mechanism() {
        return mechanism;
    }

    /** The next server message for the client's {@code message}; throws (and stays FAILED) when authentication fails. */
    public byte[] evaluate(byte[] message) throws SaslFailure {
        try {
            return switch (state) {
                case AWAIT_CLIENT_FIRST -> clientFirst(new String(message, StandardCharsets.UTF_8));
                case AWAIT_CLIENT_FINAL -> clientFinal(new String(message, StandardCharsets.UTF_8));
                case COMPLETE, FAILED -> throw new SaslFailure("SCRAM message after the exchange ended (" + state + ")");
            };
        } catch (SaslFailure e) {
            state = State.FAILED;
            throw e;
        }
    }

    public boolean isComplete() {
        return state == State.COMPLETE;
    }

    /** The authenticated user name; only once {@link #isComplete()}. */
    public String userName() {
        if (state != State.COMPLETE) {
            throw new IllegalStateException("SCRAM exchange not complete");
        }
        return userName;
    }

    /** True when the client sent librdkafka's legacy doubled client nonce (see the class comment). */
    public boolean usedLegacyNonce() {
        return legacyNonce;
    }

    State state() {
        return state;
    }

    private byte[] clientFirst(String message) throws SaslFailure {
        Matcher m = CLIENT_FIRST.matcher(message);
        if (!m.matches()) {
            throw new SaslFailure("invalid SCRAM client-first-message: " + printable(message));
        }
        if (m.group("cbflag").startsWith("p=")) {
            throw new SaslFailure("the client asked for channel binding (" + m.group("cbflag") + "), which brokerd does not offer");
        }
        if (!m.group("ext").isEmpty()) {
            throw new SaslFailure("unsupported SCRAM extensions '" + m.group("ext").substring(1) + "' (delegation tokens are not supported)");
        }
        userName = decodeSaslName(m.group("saslname"));
        String authzid = m.group("authzid");
        if (authzid != null && !authzid.isEmpty() && !decodeSaslName(authzid).equals(userName)) {
            throw new SaslFailure("authorization id '" + authzid + "' differs from the user name '" + userName + "'");
        }
        if (userName.isEmpty()) {
            throw new SaslFailure("empty SCRAM user name");
        }
        gs2Header = m.group("gs2");
        clientFirstBare = m.group("bare");
        clientNonce = m.group("nonce");
        Optional<ScramCredential> stored = credentials.apply(userName);
        knownUser = stored.isPresent();
        credential = stored.orElseGet(() -> unknownUserCredential(userName));
        combinedNonce = clientNonce + serverNonces.get();
        serverFirst = "r=" + combinedNonce + ",s=" + Base64.getEncoder().encodeToString(credential.salt()) + ",i="
                + credential.iterations();
        state = State.AWAIT_CLIENT_FINAL;
        return serverFirst.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] clientFinal(String message) throws SaslFailure {
        Matcher m = CLIENT_FINAL.matcher(message);
        if (!m.matches()) {
            throw new SaslFailure("invalid SCRAM client-final-message: " + printable(message));
        }
        String expectedBinding = Base64.getEncoder().encodeToString(gs2Header.getBytes(StandardCharsets.UTF_8));
        if (!m.group("cb").equals(expectedBinding)) {
            throw new SaslFailure("channel binding '" + m.group("cb") + "' does not match the GS2 header (expected '" + expectedBinding + "')");
        }
        String nonce = m.group("nonce");
        if (nonce.equals(clientNonce + combinedNonce)) {
            legacyNonce = true;
        } else if (!nonce.equals(combinedNonce)) {
            throw new SaslFailure("the client-final-message's nonce is not the client's nonce followed by the server's");
        }
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(m.group("proof"));
        } catch (IllegalArgumentException e) {
            throw new SaslFailure("client proof is not base64: " + e.getMessage());
        }
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + m.group("withoutProof")).getBytes(StandardCharsets.UTF_8);
        byte[] storedKey = credential.storedKey();
        byte[] clientSignature = mechanism.hmac(storedKey, authMessage);
        if (proof.length != clientSignature.length) {
            throw new SaslFailure("client proof of " + proof.length + " bytes, " + mechanism.mechanismName() + " needs " + clientSignature.length);
        }
        byte[] clientKey = new byte[proof.length];
        for (int i = 0; i < proof.length; i++) {
            clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        }
        boolean valid = MessageDigest.isEqual(mechanism.hash(clientKey), storedKey);
        if (!knownUser) {
            throw new SaslFailure("unknown user '" + userName + "' (no " + mechanism.mechanismName() + " credential)");
        }
        if (!valid) {
            throw new SaslFailure("wrong password for user '" + userName + "' (invalid client proof)");
        }
        state = State.COMPLETE;
        byte[] serverSignature = mechanism.hmac(credential.serverKey(), authMessage);
        return ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8);
    }

    private ScramCredential unknownUserCredential(String user) {
        byte[] seed = mechanism.hmac(UNKNOWN_USER_SECRET, user.getBytes(StandardCharsets.UTF_8));
        byte[] salt = java.util.Arrays.copyOf(seed, 16);
        byte[] key = mechanism.hash(seed);
        return new ScramCredential(salt, key, key, ScramMechanism.MIN_ITERATIONS);
    }

    /** RFC 5802 saslname: {@code =2C} is a comma, {@code =3D} an equals sign, any other {@code =} is invalid. */
    static String decodeSaslName(String saslName) throws SaslFailure {
        StringBuilder sb = new StringBuilder(saslName.length());
        for (int i = 0; i < saslName.length(); i++) {
            char c = saslName.charAt(i);
            if (c == '=') {
                if (saslName.startsWith("=2C", i)) {
                    sb.append(',');
                } else if (saslName.startsWith("=3D", i)) {
                    sb.append('=');
                } else {
                    throw new SaslFailure("invalid escape in SCRAM user name '" + printable(saslName) + "'");
                }
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** At most 200 characters, control characters as '?': client bytes go into the log. */
    static String printable(String s) {
        String cut = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        StringBuilder sb = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            sb.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return sb.toString();
    }
}
