package io.sluice.brokerd.auth;

import io.sluice.brokerd.security.Principal;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One authorization check as Produce and Fetch make it per topic ({@link Authorizer#authorize}), with {@code acls}
 * ACLs in the image: a third literal topic ACLs, a third prefixed ones (of a few prefix lengths), a third group ACLs,
 * plus a wildcard deny for one principal. Cases: {@code literal} (an ALLOW on the topic's name), {@code prefixed}
 * (an ALLOW on a prefix of it), {@code denied} (nothing matches: the refusal path), {@code superUser}. {@code linear}
 * is the same decision made by scanning every ACL with the filter rules, the cost the index avoids.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AuthorizerBenchmark {
    @Param({"1000"})
    public int acls;

    @Param({"literal", "prefixed", "denied", "superUser"})
    public String check;

    private Authorizer authorizer;
    private List<AclBinding> all;
    private Principal principal;
    private String topic;

    @Setup
    public void setUp() {
        all = new ArrayList<>();
        int third = acls / 3;
        for (int i = 0; i < third; i++) {
            all.add(new AclBinding(ResourceType.TOPIC, "orders-" + i, PatternType.LITERAL, "User:app-" + i, "*",
                    AclOperation.WRITE, AclPermission.ALLOW));
            String prefix = "team-" + i + "." + "x".repeat(i % 4);
            all.add(new AclBinding(ResourceType.TOPIC, prefix, PatternType.PREFIXED, "User:team-" + i, "*",
                    AclOperation.READ, AclPermission.ALLOW));
            all.add(new AclBinding(ResourceType.GROUP, "group-" + i, PatternType.LITERAL, "User:app-" + i, "*",
                    AclOperation.READ, AclPermission.ALLOW));
        }
        all.add(new AclBinding(ResourceType.TOPIC, "*", PatternType.LITERAL, "User:banned", "*", AclOperation.ALL, AclPermission.DENY));
        all.sort(AclBinding.ORDER);
        authorizer = new Authorizer(Set.of("User:admin"), false);
        authorizer.update(List.copyOf(all));
        switch (check) {
            case "literal" -> {
                principal = Principal.user("app-" + (third / 2));
                topic = "orders-" + (third / 2);
            }
            case "prefixed" -> {
                int i = third / 2;
                principal = Principal.user("team-" + i);
                topic = "team-" + i + "." + "x".repeat(i % 4) + "events";
            }
            case "denied" -> {
                principal = Principal.user("stranger");
                topic = "orders-1";
            }
            default -> {
                principal = Principal.user("admin");
                topic = "orders-1";
            }
        }
    }

    private AclOperation op() {
        return check.equals("prefixed") ? AclOperation.READ : AclOperation.WRITE;
    }

    @Benchmark
    public boolean indexed() {
        return authorizer.authorize(principal, "127.0.0.1", op(), ResourceType.TOPIC, topic);
    }

    @Benchmark
    public boolean linear() {
        if (principal.name().equals("admin")) {
            return true;
        }
        AclFilter applies = new AclFilter(ResourceType.TOPIC, topic, PatternType.MATCH, null, null, AclOperation.ANY, AclPermission.ANY);
        boolean allowed = false;
        String p = principal.toString();
        for (AclBinding acl : all) {
            if (!applies.matches(acl) || !(acl.principal().equals(p) || acl.principal().equals("User:*"))) {
                continue;
            }
            if (acl.permission() == AclPermission.DENY && (acl.operation() == op() || acl.operation() == AclOperation.ALL)) {
                return false;
            }
            allowed |= acl.permission() == AclPermission.ALLOW && acl.operation().allowImplies(op());
        }
        return allowed;
    }
}
