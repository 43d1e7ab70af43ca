package io.sluice.brokerd.api;

import io.sluice.brokerd.config.DynamicBrokerConfig;
import io.sluice.brokerd.config.TopicConfigDef;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.network.ApiRegistry;
import io.sluice.brokerd.network.RequestContext;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The config family: DescribeConfigs (key 32, v1-4), IncrementalAlterConfigs (key 44, v0-1), AlterConfigs (key 33,
 * v0-2). Topic configs come from {@link TopicConfigDef} through the registry; broker configs are the static
 * configuration the broker started with and are read-only, except the replication throttle rates
 * ({@link DynamicBrokerConfig}), which this broker's own {@code broker:ID} takes at runtime.
 */
public final class ConfigsHandlers {
    static final byte RESOURCE_TOPIC = 2;
    static final byte RESOURCE_BROKER = 4;
    static final byte SOURCE_DYNAMIC_TOPIC = 1;
    static final byte SOURCE_DYNAMIC_BROKER = 2;
    static final byte TYPE_LONG = 5;
    static final byte SOURCE_STATIC_BROKER = 4;
    static final byte SOURCE_DEFAULT = 5;

    private final TopicRegistry registry;
    private final int nodeId;
    private final Map<String, String> brokerConfigs;
    private final DynamicBrokerConfig dynamic;

    /** {@code brokerConfigs}: the broker's effective static configuration, key to value; {@code dynamic}: its runtime ones. */
    public ConfigsHandlers(TopicRegistry registry, int nodeId, Map<String, String> brokerConfigs, DynamicBrokerConfig dynamic) {
        this.registry = registry;
        this.nodeId = nodeId;
        this.brokerConfigs = Map.copyOf(brokerConfigs);
        this.dynamic = dynamic;
    }

    public void register(ApiRegistry apis) {
        apis.register(ApiKeys.DESCRIBE_CONFIGS, 1, 4, (ctx, r) -> CompletableFuture.completedFuture(describe(ctx, (DescribeConfigsRequestData) r)));
        apis.register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, 0, 1,
                (ctx, r) -> CompletableFuture.supplyAsync(() -> incrementalAlter((IncrementalAlterConfigsRequestData) r), ctx.executor()));
        apis.register(ApiKeys.ALTER_CONFIGS, 0, 2, (ctx, r) -> CompletableFuture.supplyAsync(() -> alter((AlterConfigsRequestData) r), ctx.executor()));
    }

    static byte sourceCode(TopicRegistry.Source s) {
        return switch (s) {
            case TOPIC -> SOURCE_DYNAMIC_TOPIC;
            case BROKER -> SOURCE_STATIC_BROKER;
            case DEFAULT -> SOURCE_DEFAULT;
        };
    }

    ApiMessage describe(RequestContext ctx, DescribeConfigsRequestData req) {
        DescribeConfigsResponseData resp = new DescribeConfigsResponseData();
        for (DescribeConfigsRequestData.DescribeConfigsResource res : req.resources()) {
            DescribeConfigsResponseData.DescribeConfigsResult result = new DescribeConfigsResponseData.DescribeConfigsResult()
                    .setResourceType(res.resourceType()).setResourceName(res.resourceName()).setErrorCode(Errors.NONE.code());
            if (res.resourceType() == RESOURCE_TOPIC) {
                if (registry.topic(res.resourceName()).isEmpty()) {
                    result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage("Topic " + res.resourceName() + " does not exist");
                } else {
                    describeTopic(res, req, result);
                }
            } else if (res.resourceType() == RESOURCE_BROKER) {
                if (!res.resourceName().isEmpty() && !res.resourceName().equals(String.valueOf(nodeId))) {
                    result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Unexpected broker id, expected " + nodeId
                            + " or empty string, but received " + res.resourceName());
                } else {
                    describeBroker(res, result);
                }
            } else {
                result.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Unsupported resource type " + res.resourceType());
            }
            resp.results().add(result);
        }
        return resp;
    }

    private void describeTopic(DescribeConfigsRequestData.DescribeConfigsResource res, DescribeConfigsRequestData req,
                               DescribeConfigsResponseData.DescribeConfigsResult result) {
        String topic = res.resourceName();
        Map<String, String> effective = registry.effectiveConfig(topic);
        Map<String, String> overrides = registry.topic(topic).orElseThrow().configOverrides();
        for (TopicConfigDef.Entry e : TopicConfigDef.entries().values()) {
            if (res.configurationKeys() != null && !res.configurationKeys().contains(e.key())) {
                continue;
            }
            byte source = sourceCode(registry.sourceOf(topic, e.key()));
            DescribeConfigsResponseData.DescribeConfigsResourceResult c = new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                    .setName(e.key()).setValue(effective.get(e.key())).setReadOnly(false).setIsSensitive(false)
                    .setConfigSource(source).setConfigType((byte) (e.type().ordinal() + 1))
                    .setDocumentation(req.includeDocumentation() ? e.doc() : null);
            if (req.includeSynonyms()) {
                if (overrides.containsKey(e.key())) {
                    c.synonyms().add(synonym(e.key(), overrides.get(e.key()), SOURCE_DYNAMIC_TOPIC));
                }
                if (e.brokerKey() != null && brokerConfigs.containsKey(e.brokerKey())) {
                    c.synonyms().add(synonym(e.brokerKey(), brokerConfigs.get(e.brokerKey()), SOURCE_STATIC_BROKER));
                }
                c.synonyms().add(synonym(e.brokerKey() != null ? e.brokerKey() : e.key(), e.defaultValue(), SOURCE_DEFAULT));
            }
            result.configs().add(c);
        }
    }

    private static DescribeConfigsResponseData.DescribeConfigsSynonym synonym(String name, String value, byte source) {
        return new DescribeConfigsResponseData.DescribeConfigsSynonym().setName(name).setValue(value).setSource(source);
    }

    private void describeBroker(DescribeConfigsRequestData.DescribeConfigsResource res, DescribeConfigsResponseData.DescribeConfigsResult result) {
        List<String> keys = new ArrayList<>(brokerConfigs.keySet());
        keys.sort(null);
        for (String key : keys) {
            if (res.configurationKeys() != null && !res.configurationKeys().contains(key)) {
                continue;
            }
            // Secrets (passwords, an inline private key) are described as Kafka does: sensitive, without a value.
            boolean sensitive = io.sluice.brokerd.config.BrokerConfigDef.isSensitive(key);
            result.configs().add(new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                    .setName(key).setValue(sensitive ? null : brokerConfigs.get(key)).setReadOnly(true).setIsSensitive(sensitive)
                    .setConfigSource(SOURCE_STATIC_BROKER).setConfigType(sensitive ? (byte) 9 : (byte) 2));
        }
        Map<String, String> overrides = dynamic.overrides();
        for (String key : new java.util.TreeSet<>(DynamicBrokerConfig.KEYS)) {
            if (res.configurationKeys() != null && !res.configurationKeys().contains(key)) {
                continue;
            }
            boolean set = overrides.containsKey(key);
            result.configs().add(new DescribeConfigsResponseData.DescribeConfigsResourceResult()
                    .setName(key).setValue(set ? overrides.get(key) : DynamicBrokerConfig.DEFAULT_RATE).setReadOnly(false)
                    .setIsSensitive(false).setConfigSource(set ? SOURCE_DYNAMIC_BROKER : SOURCE_DEFAULT).setConfigType(TYPE_LONG));
        }
    }

    /**
     * Null when {@code name} is this broker's resource (its id); brokerd has no cluster-wide dynamic defaults (the
     * empty name), and another broker's id belongs to that broker.
     */
    private String brokerResourceProblem(String name) {
        if (name.isEmpty()) {
            return "Cluster-wide dynamic broker configs are not supported; set them on each broker (broker:ID)";
        }
        return name.equals(String.valueOf(nodeId)) ? null
                : "Unexpected broker id, expected " + nodeId + ", but received " + name;
    }

    /** Applies incremental changes to this broker's dynamic configs; an error message, or null when done. */
    private Errors alterBroker(IncrementalAlterConfigsRequestData.AlterConfigsResource res, boolean validateOnly, StringBuilder message) {
        String problem = brokerResourceProblem(res.resourceName());
        if (problem != null) {
            message.append(problem);
            return Errors.INVALID_REQUEST;
        }
        Map<String, String> next = new java.util.TreeMap<>(dynamic.overrides());
        for (IncrementalAlterConfigsRequestData.AlterableConfig c : res.configs()) {
            byte op = c.configOperation();
            if (op == 0) {
                problem = DynamicBrokerConfig.validate(c.name(), c.value());
                next.put(c.name(), c.value() == null ? null : c.value().trim());
            } else if (op == 1) {
                problem = DynamicBrokerConfig.KEYS.contains(c.name()) ? null : DynamicBrokerConfig.validate(c.name(), "0");
                next.remove(c.name());
            } else {
                message.append(op == 2 || op == 3 ? "Config value append/subtract is not allowed for config key " + c.name()
                        : "Unknown config operation " + op);
                return op == 2 || op == 3 ? Errors.INVALID_CONFIG : Errors.INVALID_REQUEST;
            }
            if (problem != null) {
                message.append(problem);
                return DynamicBrokerConfig.KEYS.contains(c.name()) ? Errors.INVALID_CONFIG : Errors.INVALID_REQUEST;
            }
        }
        if (!validateOnly) {
            dynamic.replace(next);
        }
        return Errors.NONE;
    }

    ApiMessage incrementalAlter(IncrementalAlterConfigsRequestData req) {
        IncrementalAlterConfigsResponseData resp = new IncrementalAlterConfigsResponseData();
        for (IncrementalAlterConfigsRequestData.AlterConfigsResource res : req.resources()) {
            IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse r = new IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(res.resourceType()).setResourceName(res.resourceName());
            if (res.resourceType() == RESOURCE_BROKER) {
                StringBuilder message = new StringBuilder();
                Errors e = alterBroker(res, req.validateOnly(), message);
                resp.responses().add(r.setErrorCode(e.code()).setErrorMessage(e == Errors.NONE ? null : message.toString()));
                continue;
            }
            if (res.resourceType() != RESOURCE_TOPIC) {
                resp.responses().add(r.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Unsupported resource type " + res.resourceType()));
                continue;
            }
            List<TopicRegistry.ConfigChange> changes = new ArrayList<>();
            for (IncrementalAlterConfigsRequestData.AlterableConfig c : res.configs()) {
                if (c.configOperation() < 0 || c.configOperation() > 3) {
                    r.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage("Unknown config operation " + c.configOperation());
                    break;
                }
                changes.add(new TopicRegistry.ConfigChange(c.name(), TopicRegistry.AlterOp.values()[c.configOperation()], c.value()));
            }
            if (r.errorCode() == Errors.NONE.code()) {
                TopicRegistry.Result result = registry.alterConfigs(res.resourceName(), changes, req.validateOnly());
                if (!result.isOk()) {
                    r.setErrorCode(TopicsHandlers.errorOf(result.error()).code()).setErrorMessage(result.message());
                }
            }
            resp.responses().add(r);
        }
        return resp;
    }

    ApiMessage alter(AlterConfigsRequestData req) {
        AlterConfigsResponseData resp = new AlterConfigsResponseData();
        for (AlterConfigsRequestData.AlterConfigsResource res : req.resources()) {
            AlterConfigsResponseData.AlterConfigsResourceResponse r = new AlterConfigsResponseData.AlterConfigsResourceResponse()
                    .setResourceType(res.resourceType()).setResourceName(res.resourceName());
            if (res.resourceType() == RESOURCE_BROKER) {
                resp.responses().add(alterBrokerWhole(res, req.validateOnly(), r));
                continue;
            }
            if (res.resourceType() != RESOURCE_TOPIC) {
                resp.responses().add(r.setErrorCode(Errors.INVALID_REQUEST.code())
                        .setErrorMessage("Unsupported resource type " + res.resourceType()));
                continue;
            }
            Map<String, String> configs = new HashMap<>();
            for (AlterConfigsRequestData.AlterableConfig c : res.configs()) {
                configs.put(c.name(), c.value());
            }
            TopicRegistry.Result result = registry.setConfigs(res.resourceName(), configs, req.validateOnly());
            if (!result.isOk()) {
                r.setErrorCode(TopicsHandlers.errorOf(result.error()).code()).setErrorMessage(result.message());
            }
            resp.responses().add(r);
        }
        return resp;
    }

    /** Legacy AlterConfigs on this broker: the given dynamic configs replace all of them. */
    private AlterConfigsResponseData.AlterConfigsResourceResponse alterBrokerWhole(AlterConfigsRequestData.AlterConfigsResource res,
                                                                                  boolean validateOnly,
                                                                                  AlterConfigsResponseData.AlterConfigsResourceResponse r) {
        String problem = brokerResourceProblem(res.resourceName());
        if (problem != null) {
            return r.setErrorCode(Errors.INVALID_REQUEST.code()).setErrorMessage(problem);
        }
        Map<String, String> next = new java.util.TreeMap<>();
        for (AlterConfigsRequestData.AlterableConfig c : res.configs()) {
            problem = DynamicBrokerConfig.validate(c.name(), c.value());
            if (problem != null) {
                Errors e = DynamicBrokerConfig.KEYS.contains(c.name()) ? Errors.INVALID_CONFIG : Errors.INVALID_REQUEST;
                return r.setErrorCode(e.code()).setErrorMessage(problem);
            }
            next.put(c.name(), c.value().trim());
        }
        if (!validateOnly) {
            dynamic.replace(next);
        }
        return r.setErrorCode(Errors.NONE.code());
    }
}
