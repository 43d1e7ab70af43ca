package io.sluice.brokerd.api;

import io.sluice.brokerd.network.ApiRegistry;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * DescribeClientQuotas (key 48, v0-1) and AlterClientQuotas (key 49, v0-1), answered honestly for a broker that does
 * not enforce client quotas: a valid describe finds no quota (an empty result, what Kafka answers when none is set;
 * {@code kafka-configs.sh --describe --entity-type users} asks it beside the SCRAM credentials), and every alteration,
 * validate-only included, is refused per entity with INVALID_REQUEST and a message saying so: a quota is never
 * accepted and then silently not applied.
 * <p>
 * A describe filter is checked as Kafka checks it: entity types {@code user}, {@code client-id}, {@code ip}, each at
 * most once, {@code ip} not combined with the others, match types 0 (exact, with a name), 1 (default) and 2 (any
 * specified name); a bad filter is INVALID_REQUEST with the reason.
 */
public final class ClientQuotasHandlers {
    static final String NOT_ENFORCED = "brokerd does not enforce client quotas (producer_byte_rate, consumer_byte_rate, "
            + "request_percentage, controller_mutation_rate, connection_creation_rate): the quota was not stored";
    private static final Set<String> ENTITY_TYPES = Set.of("user", "client-id", "ip");
    private static final byte MATCH_EXACT = 0;
    private static final byte MATCH_SPECIFIED = 2;

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.DESCRIBE_CLIENT_QUOTAS, 0, 1, (ctx, r) -> CompletableFuture.completedFuture(
                describe((DescribeClientQuotasRequestData) r)));
        apis.register(ApiKeys.ALTER_CLIENT_QUOTAS, 0, 1, (ctx, r) -> CompletableFuture.completedFuture(
                alter((AlterClientQuotasRequestData) r)));
    }

    static ApiMessage describe(DescribeClientQuotasRequestData req) {
        String invalid = invalidFilter(req.components());
        if (invalid != null) {
            return new DescribeClientQuotasResponseData().setErrorCode(Errors.INVALID_REQUEST.code())
                    .setErrorMessage(invalid).setEntries(null);
        }
        return new DescribeClientQuotasResponseData().setErrorCode(Errors.NONE.code()).setEntries(new ArrayList<>());
    }

    private static String invalidFilter(List<DescribeClientQuotasRequestData.ComponentData> components) {
        Set<String> seen = new HashSet<>();
        for (DescribeClientQuotasRequestData.ComponentData c : components) {
            if (!ENTITY_TYPES.contains(c.entityType())) {
                return "Custom entity type '" + c.entityType() + "' not supported (user, client-id and ip are)";
            }
            if (!seen.add(c.entityType())) {
                return "Duplicate " + c.entityType() + " filter component entity type";
            }
            if (c.matchType() < MATCH_EXACT || c.matchType() > MATCH_SPECIFIED) {
                return "Unknown match type " + c.matchType() + " for entity type " + c.entityType();
            }
            if (c.matchType() == MATCH_EXACT && c.match() == null) {
                return "An exact match for entity type " + c.entityType() + " needs a name";
            }
        }
        if (seen.contains("ip") && seen.size() > 1) {
            return "Invalid entity filter component combination, IP filter component should not be used with user or clientId filter component.";
        }
        return null;
    }

    static ApiMessage alter(AlterClientQuotasRequestData req) {
        AlterClientQuotasResponseData resp = new AlterClientQuotasResponseData();
        for (AlterClientQuotasRequestData.EntryData e : req.entries()) {
            AlterClientQuotasResponseData.EntryData out = new AlterClientQuotasResponseData.EntryData()
                    .setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(NOT_ENFORCED);
            for (AlterClientQuotasRequestData.EntityData entity : e.entity()) {
                out.entity().add(new AlterClientQuotasResponseData.EntityData().setEntityType(entity.entityType())
                        .setEntityName(entity.entityName()));
            }
            resp.entries().add(out);
        }
        return resp;
    }
}
