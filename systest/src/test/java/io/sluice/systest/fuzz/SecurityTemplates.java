package io.sluice.systest.fuzz;

import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Valid requests of the security APIs: the SASL exchange as a client starts it (on the fuzz broker's PLAINTEXT
 * listener it must be refused cleanly), SCRAM credential administration as the admin client sends it, and the ACL
 * APIs (answered SECURITY_DISABLED without an authorizer), and the client quota APIs (described empty, altering
 * refused: brokerd enforces no quotas). Users are a small fixed set, so the credential store stays
 * bounded however long the run.
 */
final class SecurityTemplates {
    private static final String[] USERS = {"fz-alice", "fz-bob", "", "admin"};
    private static final String[] MECHANISMS = {"SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN", "GSSAPI", ""};

    private SecurityTemplates() {
    }

    static void register(Map<ApiKeys, RequestGenerator.Template> out) {
        out.put(ApiKeys.SASL_HANDSHAKE, SecurityTemplates::saslHandshake);
        out.put(ApiKeys.SASL_AUTHENTICATE, SecurityTemplates::saslAuthenticate);
        out.put(ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS, SecurityTemplates::describeUserScramCredentials);
        out.put(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, SecurityTemplates::alterUserScramCredentials);
        out.put(ApiKeys.CREATE_ACLS, SecurityTemplates::createAcls);
        out.put(ApiKeys.DESCRIBE_ACLS, SecurityTemplates::describeAcls);
        out.put(ApiKeys.DELETE_ACLS, SecurityTemplates::deleteAcls);
        out.put(ApiKeys.DESCRIBE_CLIENT_QUOTAS, SecurityTemplates::describeClientQuotas);
        out.put(ApiKeys.ALTER_CLIENT_QUOTAS, SecurityTemplates::alterClientQuotas);
    }

    private static final String[] QUOTA_ENTITY_TYPES = {"user", "client-id", "ip", "user", "nonsense"};

    /** As kafka-configs.sh --describe --entity-type users asks it, and filters a client could send. */
    static ApiMessage describeClientQuotas(short version, Plausible p) {
        DescribeClientQuotasRequestData req = new DescribeClientQuotasRequestData().setStrict(p.chance(30));
        int n = p.between(0, 2);
        for (int i = 0; i < n; i++) {
            req.components().add(new DescribeClientQuotasRequestData.ComponentData().setEntityType(p.oneOf(QUOTA_ENTITY_TYPES))
                    .setMatchType(p.oneOf((byte) 0, (byte) 1, (byte) 2, (byte) 7))
                    .setMatch(p.chance(80) ? p.oneOf(USERS) : null));
        }
        return req;
    }

    static ApiMessage alterClientQuotas(short version, Plausible p) {
        AlterClientQuotasRequestData req = new AlterClientQuotasRequestData().setValidateOnly(p.chance(30));
        int n = p.between(0, 2);
        for (int i = 0; i < n; i++) {
            AlterClientQuotasRequestData.EntryData e = new AlterClientQuotasRequestData.EntryData();
            e.entity().add(new AlterClientQuotasRequestData.EntityData().setEntityType(p.oneOf(QUOTA_ENTITY_TYPES))
                    .setEntityName(p.chance(80) ? p.oneOf(USERS) : null));
            e.ops().add(new AlterClientQuotasRequestData.OpData()
                    .setKey(p.oneOf("producer_byte_rate", "consumer_byte_rate", "request_percentage", "bogus"))
                    .setValue(p.oneOf(1024.0, 0.0, -1.0, Double.NaN, Double.MAX_VALUE)).setRemove(p.chance(30)));
            req.entries().add(e);
        }
        return req;
    }

    static ApiMessage saslHandshake(short version, Plausible p) {
        return new SaslHandshakeRequestData().setMechanism(p.oneOf(MECHANISMS));
    }

    static ApiMessage saslAuthenticate(short version, Plausible p) {
        String user = p.oneOf(USERS);
        byte[] token = p.oneOf(
                "n,,n=" + user + ",r=fyko+d2lbbFgONRv9qkxdawL",                    // SCRAM client-first
                "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", // client-final
                "\u0000" + user + "\u0000secret")                                    // PLAIN
                .getBytes(StandardCharsets.UTF_8);
        return new SaslAuthenticateRequestData().setAuthBytes(p.chance(20) ? p.someBytes(64) : token);
    }

    static ApiMessage describeUserScramCredentials(short version, Plausible p) {
        DescribeUserScramCredentialsRequestData req = new DescribeUserScramCredentialsRequestData();
        if (p.chance(30)) {
            req.setUsers(null); // all users
        } else {
            int n = p.between(0, 2);
            for (int i = 0; i < n; i++) {
                req.users().add(new DescribeUserScramCredentialsRequestData.UserName().setName(p.oneOf(USERS)));
            }
        }
        return req;
    }

    static ApiMessage alterUserScramCredentials(short version, Plausible p) {
        AlterUserScramCredentialsRequestData req = new AlterUserScramCredentialsRequestData();
        if (p.chance(70)) {
            req.upsertions().add(new AlterUserScramCredentialsRequestData.ScramCredentialUpsertion()
                    .setName(p.oneOf(USERS)).setMechanism(p.oneOf((byte) 1, (byte) 2, (byte) 0, (byte) 9))
                    .setIterations(p.oneOf(4096, 8192, 1, 0, -1, Integer.MAX_VALUE))
                    .setSalt(p.someBytes(32)).setSaltedPassword(p.someBytes(64)));
        }
        if (p.chance(40)) {
            req.deletions().add(new AlterUserScramCredentialsRequestData.ScramCredentialDeletion()
                    .setName(p.oneOf(USERS)).setMechanism(p.oneOf((byte) 1, (byte) 2, (byte) 0)));
        }
        return req;
    }

    static ApiMessage createAcls(short version, Plausible p) {
        CreateAclsRequestData req = new CreateAclsRequestData();
        int n = p.between(0, 2);
        for (int i = 0; i < n; i++) {
            req.creations().add(new CreateAclsRequestData.AclCreation()
                    .setResourceType(p.oneOf((byte) 2, (byte) 3, (byte) 4, (byte) 5, (byte) 0))
                    .setResourceName(p.oneOf(p.poolTopic(), "*", "fz-", ""))
                    .setResourcePatternType(p.oneOf((byte) 3, (byte) 4, (byte) 1))
                    .setPrincipal(p.oneOf("User:fz-alice", "User:*", "", "nocolon"))
                    .setHost(p.oneOf("*", "127.0.0.1", ""))
                    .setOperation(p.oneOf((byte) 2, (byte) 3, (byte) 4, (byte) 1, (byte) 0))
                    .setPermissionType(p.oneOf((byte) 3, (byte) 2, (byte) 1)));
        }
        return req;
    }

    static ApiMessage describeAcls(short version, Plausible p) {
        return new DescribeAclsRequestData().setResourceTypeFilter(p.oneOf((byte) 1, (byte) 2, (byte) 0))
                .setResourceNameFilter(p.chance(50) ? null : p.poolTopic())
                .setPatternTypeFilter(p.oneOf((byte) 1, (byte) 2, (byte) 3, (byte) 4))
                .setPrincipalFilter(p.chance(50) ? null : "User:fz-alice").setHostFilter(p.chance(50) ? null : "*")
                .setOperation(p.oneOf((byte) 1, (byte) 2, (byte) 3)).setPermissionType(p.oneOf((byte) 1, (byte) 3));
    }

    static ApiMessage deleteAcls(short version, Plausible p) {
        DeleteAclsRequestData req = new DeleteAclsRequestData();
        req.filters().add(new DeleteAclsRequestData.DeleteAclsFilter().setResourceTypeFilter(p.oneOf((byte) 1, (byte) 2))
                .setResourceNameFilter(p.chance(50) ? null : p.poolTopic())
                .setPatternTypeFilter(p.oneOf((byte) 1, (byte) 2, (byte) 3)).setPrincipalFilter(null).setHostFilter(null)
                .setOperation((byte) 1).setPermissionType((byte) 1));
        return req;
    }
}
