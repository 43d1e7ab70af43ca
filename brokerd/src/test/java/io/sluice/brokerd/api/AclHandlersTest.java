package io.sluice.brokerd.api;

import io.sluice.brokerd.auth.AclBinding;
import io.sluice.brokerd.auth.Authorizer;
import io.sluice.brokerd.metadata.MetadataImage;
import io.sluice.brokerd.metadata.MetadataWriter;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.RequestContext;
import io.sluice.brokerd.security.ConnectionSession;
import io.sluice.brokerd.security.Principal;
import io.sluice.brokerd.security.SecurityProtocol;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.DescribeAclsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ACL APIs against hostile input, with a fake controller: codes brokerd does not know, ANY/MATCH in a creation,
 * empty principals, oversized requests; what a non-admin and a broker without the authorizer are answered.
 */
@Timeout(30)
class AclHandlersTest {
    /** Applies ACL changes to an in-memory list, counting the controller entries. */
    static final class FakeWriter implements MetadataWriter {
        final List<AclBinding> acls = new ArrayList<>();
        int entries;

        @Override
        public MetadataImage image() {
            return MetadataImage.EMPTY.withAcls(acls.stream().sorted(AclBinding.ORDER).toList());
        }

        @Override
        public Outcome createAcls(List<AclBinding> add) {
            entries++;
            add.stream().filter(a -> !acls.contains(a)).forEach(acls::add);
            return Outcome.OK;
        }

        @Override
        public Outcome deleteAcls(List<AclBinding> remove) {
            entries++;
            acls.removeAll(remove);
            return Outcome.OK;
        }

        @Override
        public TopicRegistry.Result createTopic(String name, UUID topicId, int partitions, short replicationFactor, Map<String, String> configs,
                                                List<List<Integer>> assignments) {
            throw new UnsupportedOperationException();
        }

        @Override
        public TopicRegistry.Result deleteTopic(String name) {
            throw new UnsupportedOperationException();
        }

        @Override
        public TopicRegistry.Result createPartitions(String name, int count, List<List<Integer>> assignments) {
            throw new UnsupportedOperationException();
        }

        @Override
        public TopicRegistry.Result setTopicConfigs(String name, Map<String, String> overrides) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Outcome electLeader(String topic, int partition, boolean unclean) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Outcome reassign(String topic, int partition, List<Integer> target) {
            throw new UnsupportedOperationException();
        }
    }

    final FakeWriter writer = new FakeWriter();
    final AclHandlers handlers = new AclHandlers(writer, new RequestAuthorizer(new Authorizer(Set.of("User:admin"), false),
            () -> writer.image().acls(), (op, type) -> { }));

    static RequestContext as(String user, ApiKeys api) {
        InetSocketAddress from = new InetSocketAddress("127.0.0.1", 5555);
        return new RequestContext(api, (short) 3, 1, "test", from, 0, Runnable::run, Runnable::run, null,
                new ConnectionSession("SSL", SecurityProtocol.SSL, from, Principal.user(user)));
    }

    static CreateAclsRequestData.AclCreation creation(int type, String name, int pattern, String principal, int op, int perm) {
        return new CreateAclsRequestData.AclCreation().setResourceType((byte) type).setResourceName(name)
                .setResourcePatternType((byte) pattern).setPrincipal(principal).setHost("*").setOperation((byte) op)
                .setPermissionType((byte) perm);
    }

    CreateAclsResponseData create(String user, CreateAclsRequestData.AclCreation... c) {
        return (CreateAclsResponseData) handlers.create(as(user, ApiKeys.CREATE_ACLS), new CreateAclsRequestData().setCreations(List.of(c)));
    }

    @Test
    void unknownCodesAndBadPrincipalsAreRefusedOneByOneWithTheReason() {
        CreateAclsResponseData r = create("admin",
                creation(99, "t", 3, "User:a", 3, 3),     // unknown resource type
                creation(2, "t", 0, "User:a", 3, 3),      // unknown pattern type
                creation(2, "t", 2, "User:a", 3, 3),      // MATCH is a filter, not an ACL
                creation(2, "t", 3, "User:a", 99, 3),     // unknown operation
                creation(2, "t", 3, "User:a", 3, 1),      // permission ANY
                creation(2, "t", 3, "", 3, 3),            // empty principal
                creation(2, "", 3, "User:a", 3, 3),       // empty resource name
                creation(2, "t", 3, "User:a", 3, 3));     // fine
        assertThat(r.results()).hasSize(8);
        for (int i = 0; i < 7; i++) {
            assertThat(r.results().get(i).errorCode()).as("creation %d", i).isEqualTo(Errors.INVALID_REQUEST.code());
            assertThat(r.results().get(i).errorMessage()).as("creation %d", i).isNotBlank();
        }
        assertThat(r.results().get(0).errorMessage()).contains("resource type");
        assertThat(r.results().get(5).errorMessage()).contains("principal");
        assertThat(r.results().get(7).errorCode()).isZero();
        assertThat(writer.acls).hasSize(1);
    }

    @Test
    void hugeRequestsAreRefusedWholeAndLargeOnesSplitUnderTheControllerEntryLimit() {
        CreateAclsRequestData.AclCreation[] tooMany = new CreateAclsRequestData.AclCreation[AclHandlers.MAX_PER_REQUEST + 1];
        for (int i = 0; i < tooMany.length; i++) {
            tooMany[i] = creation(2, "t" + i, 3, "User:a", 3, 3);
        }
        CreateAclsResponseData refused = create("admin", tooMany);
        assertThat(refused.results()).hasSize(tooMany.length)
                .allSatisfy(x -> assertThat(x.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code()));
        assertThat(writer.entries).isZero();
        CreateAclsResponseData accepted = create("admin", java.util.Arrays.copyOf(tooMany, 2000));
        assertThat(accepted.results()).allSatisfy(x -> assertThat(x.errorCode()).isZero());
        assertThat(writer.acls).hasSize(2000);
        assertThat(writer.entries).as("split into entries under the 64 KiB limit").isGreaterThan(1);
    }

    @Test
    void filtersWithUnknownCodesAreInvalidAndNonAdminsAreRefused() {
        create("admin", creation(2, "t", 3, "User:a", 3, 3));
        DescribeAclsResponseData bad = (DescribeAclsResponseData) handlers.describe(as("admin", ApiKeys.DESCRIBE_ACLS),
                new DescribeAclsRequestData().setResourceTypeFilter((byte) 99).setPatternTypeFilter((byte) 1).setOperation((byte) 1).setPermissionType((byte) 1));
        assertThat(bad.errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        DescribeAclsResponseData alice = (DescribeAclsResponseData) handlers.describe(as("alice", ApiKeys.DESCRIBE_ACLS),
                new DescribeAclsRequestData().setResourceTypeFilter((byte) 1).setPatternTypeFilter((byte) 1).setOperation((byte) 1).setPermissionType((byte) 1));
        assertThat(alice.errorCode()).isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED.code());
        assertThat(create("alice", creation(2, "t2", 3, "User:alice", 2, 3)).results().get(0).errorCode())
                .isEqualTo(Errors.CLUSTER_AUTHORIZATION_FAILED.code());
        DeleteAclsResponseData deleted = (DeleteAclsResponseData) handlers.delete(as("admin", ApiKeys.DELETE_ACLS),
                new DeleteAclsRequestData().setFilters(List.of(
                        new DeleteAclsRequestData.DeleteAclsFilter().setResourceTypeFilter((byte) 1).setPatternTypeFilter((byte) 0)
                                .setOperation((byte) 1).setPermissionType((byte) 1),
                        new DeleteAclsRequestData.DeleteAclsFilter().setResourceTypeFilter((byte) 1).setPatternTypeFilter((byte) 1)
                                .setResourceNameFilter(null).setPrincipalFilter(null).setHostFilter(null)
                                .setOperation((byte) 1).setPermissionType((byte) 1))));
        assertThat(deleted.filterResults().get(0).errorCode()).isEqualTo(Errors.INVALID_REQUEST.code());
        assertThat(deleted.filterResults().get(1).matchingAcls()).hasSize(1);
        assertThat(writer.acls).isEmpty();
    }

    @Test
    void withoutTheAuthorizerEverythingAnswersSecurityDisabled() {
        AclHandlers off = new AclHandlers(writer, RequestAuthorizer.DISABLED);
        DescribeAclsResponseData d = (DescribeAclsResponseData) off.describe(as("admin", ApiKeys.DESCRIBE_ACLS), new DescribeAclsRequestData());
        assertThat(d.errorCode()).isEqualTo(Errors.SECURITY_DISABLED.code());
        CreateAclsResponseData c = (CreateAclsResponseData) off.create(as("admin", ApiKeys.CREATE_ACLS),
                new CreateAclsRequestData().setCreations(List.of(creation(2, "t", 3, "User:a", 3, 3))));
        assertThat(c.results().get(0).errorCode()).isEqualTo(Errors.SECURITY_DISABLED.code());
        assertThat(writer.entries).isZero();
    }
}
