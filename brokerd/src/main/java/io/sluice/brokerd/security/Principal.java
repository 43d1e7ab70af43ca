package io.sluice.brokerd.security;

/**
 * Who is on the other end of a connection, as Kafka names it ({@code KafkaPrincipal}): a type and a name,
 * written {@code User:alice}. A connection that did not authenticate (PLAINTEXT, or SSL without a client
 * certificate) is {@link #ANONYMOUS}. ACLs and {@code super.users} match on {@link #toString()}.
 *
 * @param type principal type; {@code User} for every principal brokerd makes
 * @param name the user name: the mapped certificate subject for SSL client authentication, the SASL user name later
 */
public record Principal(String type, String name) {
    public static final String USER_TYPE = "User";
    public static final Principal ANONYMOUS = new Principal(USER_TYPE, "ANONYMOUS");

    public static Principal user(String name) {
        return new Principal(USER_TYPE, name);
    }

    @Override
    public String toString() {
        return type + ":" + name;
    }
}
