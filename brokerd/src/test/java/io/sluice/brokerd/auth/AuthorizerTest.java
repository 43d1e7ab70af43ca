package io.sluice.brokerd.auth;

import io.sluice.brokerd.security.Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.sluice.brokerd.auth.AclOperation.ALL;
import static io.sluice.brokerd.auth.AclOperation.ALTER;
import static io.sluice.brokerd.auth.AclOperation.ALTER_CONFIGS;
import static io.sluice.brokerd.auth.AclOperation.CREATE;
import static io.sluice.brokerd.auth.AclOperation.DELETE;
import static io.sluice.brokerd.auth.AclOperation.DESCRIBE;
import static io.sluice.brokerd.auth.AclOperation.DESCRIBE_CONFIGS;
import static io.sluice.brokerd.auth.AclOperation.READ;
import static io.sluice.brokerd.auth.AclOperation.WRITE;
import static io.sluice.brokerd.auth.AclPermission.ALLOW;
import static io.sluice.brokerd.auth.AclPermission.DENY;
import static io.sluice.brokerd.auth.PatternType.LITERAL;
import static io.sluice.brokerd.auth.PatternType.PREFIXED;
import static io.sluice.brokerd.auth.ResourceType.CLUSTER;
import static io.sluice.brokerd.auth.ResourceType.GROUP;
import static io.sluice.brokerd.auth.ResourceType.TOPIC;
import static org.assertj.core.api.Assertions.assertThat;

/** The decision rules of {@link Authorizer}, StandardAuthorizer's: patterns, deny wins, hosts, implications, defaults. */
@Timeout(30)
class AuthorizerTest {
    static final Principal ALICE = Principal.user("alice");
    static final Principal BOB = Principal.user("bob");
    static final String HOST = "10.0.0.1";

    static AclBinding acl(ResourceType type, String name, PatternType pattern, String principal, AclOperation op, AclPermission perm) {
        return new AclBinding(type, name, pattern, principal, "*", op, perm);
    }

    static Authorizer with(AclBinding... acls) {
        Authorizer a = new Authorizer(Set.of("User:admin"), false);
        a.update(List.of(acls));
        return a;
    }

    @Test
    void literalAclGrantsOnlyItsResourceAndOperation() {
        Authorizer a = with(acl(TOPIC, "orders", LITERAL, "User:alice", WRITE, ALLOW));
        assertThat(a.authorize(ALICE, HOST, WRITE, TOPIC, "orders")).isTrue();
        assertThat(a.authorize(ALICE, HOST, READ, TOPIC, "orders")).isFalse();
        assertThat(a.authorize(ALICE, HOST, WRITE, TOPIC, "orders2")).isFalse();
        assertThat(a.authorize(ALICE, HOST, WRITE, GROUP, "orders")).isFalse();
        assertThat(a.authorize(BOB, HOST, WRITE, TOPIC, "orders")).isFalse();
    }

    @Test
    void prefixedAclGrantsEveryNameStartingWithIt() {
        Authorizer a = with(acl(TOPIC, "sales.", PREFIXED, "User:alice", WRITE, ALLOW),
                acl(TOPIC, "x", PREFIXED, "User:bob", READ, ALLOW));
        assertThat(a.authorize(ALICE, HOST, WRITE, TOPIC, "sales.eu")).isTrue();
        assertThat(a.authorize(ALICE, HOST, WRITE, TOPIC, "sales.")).isTrue();
        assertThat(a.authorize(ALICE, HOST, WRITE, TOPIC, "sales")).isFalse();
        assertThat(a.authorize(ALICE, HOST, WRITE, TOPIC, "presales.eu")).isFalse();
        assertThat(a.authorize(BOB, HOST, READ, TOPIC, "xyz")).isTrue();
        assertThat(a.authorize(BOB, HOST, READ, TOPIC, "")).isFalse();
    }

    @Test
    void wildcardResourceAndPrincipalMatchEverything() {
        Authorizer a = with(acl(TOPIC, "*", LITERAL, "User:alice", READ, ALLOW),
                acl(GROUP, "g", LITERAL, "User:*", READ, ALLOW));
        assertThat(a.authorize(ALICE, HOST, READ, TOPIC, "anything")).isTrue();
        assertThat(a.authorize(BOB, HOST, READ, TOPIC, "anything")).isFalse();
        assertThat(a.authorize(BOB, HOST, READ, GROUP, "g")).isTrue();
        assertThat(a.authorize(new Principal("Group", "bob"), HOST, READ, GROUP, "g")).as("another principal type").isFalse();
        // A literal "*" only as the whole name: a PREFIXED "*" would be the prefix "*" itself.
        assertThat(with(acl(TOPIC, "*", PREFIXED, "User:alice", READ, ALLOW)).authorize(ALICE, HOST, READ, TOPIC, "orders")).isFalse();
    }

    @Test
    void denyWinsOverAllowWhateverPatternCarriesEither() {
        Authorizer a = with(acl(TOPIC, "*", LITERAL, "User:*", READ, ALLOW),
                acl(TOPIC, "secret.", PREFIXED, "User:alice", READ, DENY),
                acl(TOPIC, "orders", LITERAL, "User:alice", ALL, DENY),
                acl(TOPIC, "orders", LITERAL, "User:alice", READ, ALLOW));
        assertThat(a.authorize(ALICE, HOST, READ, TOPIC, "public")).isTrue();
        assertThat(a.authorize(ALICE, HOST, READ, TOPIC, "secret.plans")).isFalse();
        assertThat(a.authorize(BOB, HOST, READ, TOPIC, "secret.plans")).isTrue();
        assertThat(a.authorize(ALICE, HOST, READ, TOPIC, "orders")).as("DENY ALL beats ALLOW READ").isFalse();
        assertThat(a.authorize(ALICE, HOST, DESCRIBE, TOPIC, "orders")).isFalse();
    }

    @Test
    void denyOfAnOperationDoesNotDenyWhatItsAllowWouldImply() {
        Authorizer a = with(acl(TOPIC, "t", LITERAL, "User:alice", WRITE, ALLOW),
                acl(TOPIC, "t", LITERAL, "User:alice", READ, DENY));
        assertThat(a.authorize(ALICE, HOST, DESCRIBE, TOPIC, "t")).isTrue();
        assertThat(a.authorize(ALICE, HOST, READ, TOPIC, "t")).isFalse();
    }

    @Test
    void hostsMatchTheClientIpOrStar() {
        Authorizer a = new Authorizer(Set.of(), false);
        a.update(List.of(new AclBinding(TOPIC, "t", LITERAL, "User:alice", "10.0.0.1", READ, ALLOW),
                new AclBinding(TOPIC, "t", LITERAL, "User:alice", "10.0.0.9", WRITE, DENY),
                new AclBinding(TOPIC, "t", LITERAL, "User:alice", "*", WRITE, ALLOW)));
        assertThat(a.authorize(ALICE, "10.0.0.1", READ, TOPIC, "t")).isTrue();
        assertThat(a.authorize(ALICE, "10.0.0.2", READ, TOPIC, "t")).isFalse();
        assertThat(a.authorize(ALICE, "10.0.0.2", WRITE, TOPIC, "t")).isTrue();
        assertThat(a.authorize(ALICE, "10.0.0.9", WRITE, TOPIC, "t")).isFalse();
    }

    @Test
    void operationsImplyKafkasImplications() {
        for (AclOperation op : List.of(READ, WRITE, DELETE, ALTER)) {
            Authorizer a = with(acl(TOPIC, "t", LITERAL, "User:alice", op, ALLOW));
            assertThat(a.authorize(ALICE, HOST, DESCRIBE, TOPIC, "t")).as(op + " implies DESCRIBE").isTrue();
            assertThat(a.authorize(ALICE, HOST, DESCRIBE_CONFIGS, TOPIC, "t")).as(op + " does not imply DESCRIBE_CONFIGS").isFalse();
        }
        Authorizer configs = with(acl(TOPIC, "t", LITERAL, "User:alice", ALTER_CONFIGS, ALLOW));
        assertThat(configs.authorize(ALICE, HOST, DESCRIBE_CONFIGS, TOPIC, "t")).isTrue();
        assertThat(configs.authorize(ALICE, HOST, DESCRIBE, TOPIC, "t")).isFalse();
        Authorizer all = with(acl(CLUSTER, "kafka-cluster", LITERAL, "User:alice", ALL, ALLOW));
        for (AclOperation op : AclOperation.supportedOn(CLUSTER)) {
            assertThat(all.authorize(ALICE, HOST, op, CLUSTER, "kafka-cluster")).as("ALL grants " + op).isTrue();
        }
        Authorizer create = with(acl(TOPIC, "t", LITERAL, "User:alice", CREATE, ALLOW));
        assertThat(create.authorize(ALICE, HOST, DESCRIBE, TOPIC, "t")).as("CREATE does not imply DESCRIBE").isFalse();
    }

    @Test
    void superUsersMayDoAnythingEvenWhenDenied() {
        Authorizer a = with(acl(TOPIC, "*", LITERAL, "User:*", ALL, DENY));
        assertThat(a.authorize(Principal.user("admin"), HOST, DELETE, TOPIC, "orders")).isTrue();
        assertThat(a.authorize(ALICE, HOST, DELETE, TOPIC, "orders")).isFalse();
        assertThat(a.isSuperUser(Principal.user("admin"))).isTrue();
    }

    @Test
    void noAclForAResourceRefusesUnlessAllowEveryoneIfNoAclFound() {
        Authorizer closed = new Authorizer(Set.of(), false);
        Authorizer open = new Authorizer(Set.of(), true);
        List<AclBinding> acls = List.of(acl(TOPIC, "guarded", LITERAL, "User:bob", READ, ALLOW));
        closed.update(acls);
        open.update(acls);
        assertThat(closed.authorize(ALICE, HOST, READ, TOPIC, "free")).isFalse();
        assertThat(open.authorize(ALICE, HOST, READ, TOPIC, "free")).isTrue();
        assertThat(open.authorize(ALICE, HOST, READ, GROUP, "g")).as("no ACL of the type at all").isTrue();
        // An ACL for someone else on the resource closes it to everyone else.
        assertThat(open.authorize(ALICE, HOST, READ, TOPIC, "guarded")).isFalse();
        assertThat(open.authorize(BOB, HOST, READ, TOPIC, "guarded")).isTrue();
    }

    @Test
    void authorizeAnyGrantsWithAnAllowOfTheTypeUnlessDeniedEverywhere() {
        Authorizer a = with(acl(TOPIC, "orders", LITERAL, "User:alice", WRITE, ALLOW));
        assertThat(a.authorizeAny(ALICE, HOST, WRITE, TOPIC)).isTrue();
        assertThat(a.authorizeAny(BOB, HOST, WRITE, TOPIC)).isFalse();
        Authorizer denied = with(acl(TOPIC, "orders", LITERAL, "User:alice", WRITE, ALLOW),
                acl(TOPIC, "*", LITERAL, "User:alice", WRITE, DENY));
        assertThat(denied.authorizeAny(ALICE, HOST, WRITE, TOPIC)).isFalse();
    }

    @Test
    void authorizedOperationsListsWhatIsAllowedOnTheResource() {
        Authorizer a = with(acl(GROUP, "g", LITERAL, "User:alice", READ, ALLOW));
        assertThat(a.authorizedOperations(ALICE, HOST, GROUP, "g")).containsExactly(READ, DESCRIBE);
    }

    @Test
    void updateReindexesOnlyWhenTheListChanges() {
        Authorizer a = new Authorizer(Set.of(), false);
        List<AclBinding> first = List.of(acl(TOPIC, "t", LITERAL, "User:alice", READ, ALLOW));
        a.update(first);
        assertThat(a.authorize(ALICE, HOST, READ, TOPIC, "t")).isTrue();
        a.update(List.of());
        assertThat(a.authorize(ALICE, HOST, READ, TOPIC, "t")).isFalse();
    }

    @Test
    void manyPrefixesAndLiteralsStayExact() {
        List<AclBinding> acls = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            acls.add(acl(TOPIC, "team" + i + ".", PREFIXED, "User:u" + i, WRITE, ALLOW));
            acls.add(acl(TOPIC, "topic-" + i, LITERAL, "User:u" + i, READ, ALLOW));
        }
        Authorizer a = new Authorizer(Set.of(), false);
        a.update(acls);
        assertThat(a.authorize(Principal.user("u42"), HOST, WRITE, TOPIC, "team42.orders")).isTrue();
        assertThat(a.authorize(Principal.user("u42"), HOST, WRITE, TOPIC, "team421.orders")).isFalse();
        assertThat(a.authorize(Principal.user("u421"), HOST, WRITE, TOPIC, "team421.orders")).isTrue();
        assertThat(a.authorize(Principal.user("u7"), HOST, READ, TOPIC, "topic-7")).isTrue();
        assertThat(a.authorize(Principal.user("u7"), HOST, READ, TOPIC, "topic-8")).isFalse();
    }

    @Test
    void validationRefusesWhatKafkaRefuses() {
        assertThat(acl(TOPIC, "t", LITERAL, "User:alice", READ, ALLOW).validate()).isEmpty();
        assertThat(acl(ResourceType.ANY, "t", LITERAL, "User:alice", READ, ALLOW).validate()).isPresent();
        assertThat(acl(ResourceType.USER, "t", LITERAL, "User:alice", READ, ALLOW).validate()).get().asString().contains("TOPIC, GROUP");
        assertThat(acl(TOPIC, "t", PatternType.MATCH, "User:alice", READ, ALLOW).validate()).isPresent();
        assertThat(acl(TOPIC, "t", LITERAL, "User:alice", AclOperation.ANY, ALLOW).validate()).isPresent();
        assertThat(acl(TOPIC, "t", LITERAL, "User:alice", READ, AclPermission.ANY).validate()).isPresent();
        assertThat(acl(TOPIC, "", LITERAL, "User:alice", READ, ALLOW).validate()).isPresent();
        assertThat(acl(TOPIC, "t", LITERAL, "", READ, ALLOW).validate()).get().asString().contains("principal");
        assertThat(acl(TOPIC, "t", LITERAL, "alice", READ, ALLOW).validate()).isPresent();
        assertThat(acl(TOPIC, "t", LITERAL, "User:", READ, ALLOW).validate()).isPresent();
        assertThat(acl(CLUSTER, "other", LITERAL, "User:alice", ALTER, ALLOW).validate()).get().asString().contains("kafka-cluster");
        assertThat(new AclBinding(TOPIC, "t", LITERAL, "User:alice", "", READ, ALLOW).validate()).isPresent();
    }

    @Test
    void filtersMatchAsKafkasAclBindingFilter() {
        AclBinding literal = acl(TOPIC, "orders", LITERAL, "User:alice", READ, ALLOW);
        AclBinding wildcard = acl(TOPIC, "*", LITERAL, "User:bob", READ, ALLOW);
        AclBinding prefixed = acl(TOPIC, "ord", PREFIXED, "User:alice", WRITE, DENY);
        AclBinding group = acl(GROUP, "orders", LITERAL, "User:alice", READ, ALLOW);
        List<AclBinding> all = List.of(literal, wildcard, prefixed, group);
        assertThat(select(all, new AclFilter(ResourceType.ANY, null, PatternType.ANY, null, null, AclOperation.ANY, AclPermission.ANY))).isEqualTo(all);
        assertThat(select(all, new AclFilter(TOPIC, "orders", PatternType.MATCH, null, null, AclOperation.ANY, AclPermission.ANY)))
                .containsExactly(literal, wildcard, prefixed);
        assertThat(select(all, new AclFilter(ResourceType.ANY, "orders", PatternType.ANY, null, null, AclOperation.ANY, AclPermission.ANY)))
                .containsExactly(literal, group);
        assertThat(select(all, new AclFilter(TOPIC, "ord", PREFIXED, null, null, AclOperation.ANY, AclPermission.ANY))).containsExactly(prefixed);
        assertThat(select(all, new AclFilter(ResourceType.ANY, null, PatternType.ANY, "User:alice", null, READ, ALLOW))).containsExactly(literal, group);
        assertThat(select(all, new AclFilter(ResourceType.ANY, null, PatternType.ANY, null, null, AclOperation.ANY, DENY))).containsExactly(prefixed);
        assertThat(new AclFilter(ResourceType.UNKNOWN, null, PatternType.ANY, null, null, AclOperation.ANY, AclPermission.ANY).validate()).isPresent();
        assertThat(new AclFilter(TOPIC, null, PatternType.UNKNOWN, null, null, AclOperation.ANY, AclPermission.ANY).validate()).isPresent();
    }

    private static List<AclBinding> select(List<AclBinding> acls, AclFilter f) {
        return acls.stream().filter(f::matches).toList();
    }
}
