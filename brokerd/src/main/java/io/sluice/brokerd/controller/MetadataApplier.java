package io.sluice.brokerd.controller;

import io.sluice.brokerd.auth.AclBinding;

import io.sluice.brokerd.config.TopicConfigDef;
import io.sluice.brokerd.metadata.BrokerRegistration;
import io.sluice.brokerd.metadata.MetadataImage;
import io.sluice.brokerd.metadata.PartitionState;
import io.sluice.brokerd.metadata.TopicInfo;
import io.sluice.brokerd.metadata.TopicRegistry;
import io.sluice.brokerd.metadata.TopicValidation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The controller's state transition: given the committed image and the next committed command, the next image and
 * the command's result. Pure and deterministic (no clock, no randomness, no I/O), so every replica of the quorum
 * computes the same image, and tests drive it directly.
 * <p>
 * Leader rules: a partition's leader is always in its ISR. When a broker is fenced it leaves every ISR it is in,
 * unless it is the last member (then the ISR keeps it and the partition goes offline with leader -1 until that
 * broker returns, as Kafka does); partitions it led elect the first live ISR member in replica order, raising the
 * leader epoch. Unclean election (a live replica outside the ISR) happens only for topics with
 * {@code unclean.leader.election.enable=true}. A registering broker leads the offline partitions whose ISR names it.
 * A broker whose data directory went offline ({@link MetadataCommand.LogDirOffline}) is treated like a fenced one for
 * its replicas (it leaves the ISRs, its leaderships move) while it stays registered; it may lead, join an ISR or get a
 * new replica again only once it registers anew (a restart).
 */
public final class MetadataApplier {
    private MetadataApplier() {
    }

    /** The image after a command, and what the command returned. */
    public record Applied(MetadataImage image, CommandResult result) {
    }

    public static Applied apply(MetadataImage image, MetadataCommand command) {
        if (command instanceof MetadataCommand.InitCluster c) {
            return initCluster(image, c);
        } else if (command instanceof MetadataCommand.RegisterBroker c) {
            return registerBroker(image, c);
        } else if (command instanceof MetadataCommand.FenceBroker c) {
            return fenceBroker(image, c);
        } else if (command instanceof MetadataCommand.CreateTopic c) {
            return createTopic(image, c);
        } else if (command instanceof MetadataCommand.DeleteTopic c) {
            return deleteTopic(image, c);
        } else if (command instanceof MetadataCommand.CreatePartitions c) {
            return createPartitions(image, c);
        } else if (command instanceof MetadataCommand.SetTopicConfigs c) {
            return setTopicConfigs(image, c);
        } else if (command instanceof MetadataCommand.AlterPartition c) {
            return alterPartition(image, c);
        } else if (command instanceof MetadataCommand.AllocateProducerIds c) {
            return allocateProducerIds(image, c);
        } else if (command instanceof MetadataCommand.ElectLeader c) {
            return electLeader(image, c);
        } else if (command instanceof MetadataCommand.ReassignPartition c) {
            return reassign(image, c);
        } else if (command instanceof MetadataCommand.CreateAcls c) {
            return createAcls(image, c);
        } else if (command instanceof MetadataCommand.DeleteAcls c) {
            return deleteAcls(image, c);
        } else if (command instanceof MetadataCommand.AlterScramCredentials c) {
            return alterScramCredentials(image, c);
        } else if (command instanceof MetadataCommand.LogDirOffline c) {
            return logDirOffline(image, c);
        } else if (command instanceof MetadataCommand.ResignLeadership c) {
            return resignLeadership(image, c);
        }
        throw new IllegalArgumentException("unknown metadata command " + command.getClass().getName());
    }

    private static Applied createAcls(MetadataImage image, MetadataCommand.CreateAcls c) {
        java.util.TreeSet<AclBinding> acls = new java.util.TreeSet<>(AclBinding.ORDER);
        acls.addAll(image.acls());
        for (AclBinding acl : c.acls()) {
            if (acl.validate().isPresent()) {
                // The proposing broker validates; an entry from a broker with other rules must not poison the image.
                return new Applied(image, CommandResult.fail(ControllerError.INVALID_REQUEST, acl.validate().get()));
            }
        }
        acls.addAll(c.acls());
        return new Applied(acls.size() == image.acls().size() ? image : image.withAcls(new ArrayList<>(acls)), CommandResult.ok());
    }

    private static Applied deleteAcls(MetadataImage image, MetadataCommand.DeleteAcls c) {
        java.util.TreeSet<AclBinding> acls = new java.util.TreeSet<>(AclBinding.ORDER);
        acls.addAll(image.acls());
        int before = acls.size();
        c.acls().forEach(acls::remove);
        int removed = before - acls.size();
        return new Applied(removed == 0 ? image : image.withAcls(new ArrayList<>(acls)), CommandResult.ok(removed));
    }

    /**
     * All or none: a deletion of a credential that does not exist fails the whole command (the handler checks that
     * first against its image, this catches a concurrent change).
     */
    private static Applied alterScramCredentials(MetadataImage image, MetadataCommand.AlterScramCredentials c) {
        if (c.onlyIfNoUsers() && !image.scramCredentials().isEmpty()) {
            return new Applied(image, CommandResult.ok(0));
        }
        Map<String, Map<String, io.sluice.brokerd.metadata.ScramCredential>> users = new TreeMap<>();
        image.scramCredentials().forEach((user, creds) -> users.put(user, new TreeMap<>(creds)));
        for (MetadataCommand.ScramDeletion d : c.deletions()) {
            Map<String, io.sluice.brokerd.metadata.ScramCredential> creds = users.get(d.user());
            if (creds == null || creds.remove(d.mechanism()) == null) {
                return new Applied(image, CommandResult.fail(ControllerError.RESOURCE_NOT_FOUND,
                        "Attempt to delete a user credential that does not exist: " + d.user() + " " + d.mechanism()));
            }
            if (creds.isEmpty()) {
                users.remove(d.user());
            }
        }
        for (MetadataCommand.ScramUpsertion u : c.upsertions()) {
            users.computeIfAbsent(u.user(), k -> new TreeMap<>()).put(u.mechanism(), u.credential());
        }
        return new Applied(image.withScramCredentials(users), CommandResult.ok(1));
    }

    private static Applied initCluster(MetadataImage image, MetadataCommand.InitCluster c) {
        if (!image.clusterId().isEmpty()) {
            return new Applied(image, CommandResult.okText(image.clusterId()));
        }
        return new Applied(image.withClusterId(c.clusterId()), CommandResult.okText(c.clusterId()));
    }

    private static Applied registerBroker(MetadataImage image, MetadataCommand.RegisterBroker c) {
        BrokerRegistration previous = image.brokers().get(c.nodeId());
        if (previous != null && !previous.fenced() && !previous.incarnation().equals(c.incarnation())) {
            // Restarted before its lease ran out: the old process's leaderships and ISR places go first, since the
            // new one may have lost what the old one had not flushed.
            image = fenceBroker(image, new MetadataCommand.FenceBroker(c.nodeId(), previous.incarnation(), "re-registered")).image();
        }
        // The same process registering again (it was fenced) keeps an offline data directory; a new process (a
        // restart) comes with its directory checked anew.
        boolean dirOffline = previous != null && previous.incarnation().equals(c.incarnation()) && previous.logDirOffline();
        Map<Integer, BrokerRegistration> brokers = new TreeMap<>(image.brokers());
        brokers.put(c.nodeId(), new BrokerRegistration(c.nodeId(), c.host(), c.port(), c.rack(), c.incarnation(), false,
                c.endpoints(), dirOffline));
        MetadataImage withBroker = image.withBrokers(brokers);
        if (dirOffline) {
            return new Applied(withBroker, CommandResult.ok());
        }
        Map<String, TopicInfo> topics = new TreeMap<>(image.topics());
        for (TopicInfo t : image.topics().values()) {
            List<PartitionState> states = new ArrayList<>(t.partitionStates());
            boolean changed = false;
            for (int i = 0; i < states.size(); i++) {
                PartitionState p = states.get(i);
                if (!p.isOnline() && p.isr().contains(c.nodeId())) {
                    states.set(i, p.withLeaderAndIsr(c.nodeId(), p.isr(), p.leaderEpoch() + 1,
                            p.partitionEpoch() + 1));
                    changed = true;
                }
            }
            if (changed) {
                topics.put(t.name(), t.withPartitions(states));
            }
        }
        return new Applied(withBroker.withTopics(topics), CommandResult.ok());
    }

    private static Applied fenceBroker(MetadataImage image, MetadataCommand.FenceBroker c) {
        BrokerRegistration b = image.brokers().get(c.nodeId());
        if (b == null || (c.incarnation() != null && !c.incarnation().equals(b.incarnation()))) {
            return new Applied(image, CommandResult.fail(ControllerError.UNKNOWN_BROKER,
                    "broker " + c.nodeId() + " is not registered by that process"));
        }
        if (b.fenced()) {
            return new Applied(image, CommandResult.ok());
        }
        return new Applied(withoutReplicasOf(image, b.withFenced(true)), CommandResult.ok());
    }

    private static Applied logDirOffline(MetadataImage image, MetadataCommand.LogDirOffline c) {
        BrokerRegistration b = image.brokers().get(c.nodeId());
        if (b == null || !b.incarnation().equals(c.incarnation())) {
            return new Applied(image, CommandResult.fail(ControllerError.UNKNOWN_BROKER,
                    "broker " + c.nodeId() + " is not registered by that process"));
        }
        if (b.logDirOffline() || b.fenced()) {
            return new Applied(image, CommandResult.ok());
        }
        return new Applied(withoutReplicasOf(image, b.withLogDirOffline()), CommandResult.ok());
    }

    /**
     * The image with {@code b} (a broker that can no longer host replicas: fenced, or its directory offline) registered
     * so, out of every ISR it may leave and leading nothing it can hand over.
     */
    private static MetadataImage withoutReplicasOf(MetadataImage image, BrokerRegistration b) {
        Map<Integer, BrokerRegistration> brokers = new TreeMap<>(image.brokers());
        brokers.put(b.nodeId(), b);
        MetadataImage fenced = image.withBrokers(brokers);
        Map<String, TopicInfo> topics = new TreeMap<>(image.topics());
        for (TopicInfo t : image.topics().values()) {
            boolean unclean = Boolean.parseBoolean(t.configOverrides().getOrDefault(TopicConfigDef.UNCLEAN_LEADER_ELECTION_ENABLE, "false"));
            List<PartitionState> states = new ArrayList<>(t.partitionStates());
            boolean changed = false;
            for (int i = 0; i < states.size(); i++) {
                PartitionState p = states.get(i);
                if (!p.hasReplica(b.nodeId())) {
                    continue;
                }
                PartitionState next = withoutBroker(fenced, p, b.nodeId(), unclean);
                if (!next.equals(p)) {
                    states.set(i, next);
                    changed = true;
                }
            }
            if (changed) {
                topics.put(t.name(), t.withPartitions(states));
            }
        }
        return fenced.withTopics(topics);
    }

    /** {@code p} once broker {@code gone} is fenced in {@code image}. */
    static PartitionState withoutBroker(MetadataImage image, PartitionState p, int gone, boolean unclean) {
        List<Integer> isr = new ArrayList<>(p.isr());
        if (isr.size() > 1) {
            isr.remove(Integer.valueOf(gone));
        }
        int leader = p.leader();
        if (leader == gone) {
            leader = electLeader(image, p.replicas(), isr, gone, unclean);
            if (leader != PartitionState.NO_LEADER && !isr.contains(leader)) {
                isr = new ArrayList<>(List.of(leader));
            }
        }
        boolean leaderChanged = leader != p.leader();
        if (!leaderChanged && isr.equals(p.isr())) {
            return p;
        }
        return p.withLeaderAndIsr(leader, isr, p.leaderEpoch() + (leaderChanged ? 1 : 0),
                p.partitionEpoch() + 1);
    }

    /** First live ISR member in replica order other than {@code excluded}; with {@code unclean}, any live replica. */
    static int electLeader(MetadataImage image, List<Integer> replicas, List<Integer> isr, int excluded, boolean unclean) {
        for (int r : replicas) {
            if (r != excluded && isr.contains(r) && isLive(image, r)) {
                return r;
            }
        }
        if (unclean) {
            for (int r : replicas) {
                if (r != excluded && isLive(image, r)) {
                    return r;
                }
            }
        }
        return PartitionState.NO_LEADER;
    }

    /** Whether {@code nodeId} may lead and join ISRs: live, and its data directory online. */
    private static boolean isLive(MetadataImage image, int nodeId) {
        BrokerRegistration b = image.brokers().get(nodeId);
        return b != null && b.canHostReplicas();
    }

    private static Applied createTopic(MetadataImage image, MetadataCommand.CreateTopic c) {
        TopicRegistry.Result bad = TopicValidation.validateCreate(image, c.name(), c.partitions(), c.replicationFactor(), c.configs(),
                c.assignments());
        if (bad != null) {
            return new Applied(image, CommandResult.fail(ControllerError.valueOf(bad.error().name()), bad.message()));
        }
        if (image.topic(c.topicId()).isPresent()) {
            return new Applied(image, CommandResult.fail(ControllerError.INVALID_TOPIC, "topic id " + c.topicId() + " is taken"));
        }
        List<PartitionState> states = c.assignments() != null ? assignedPartitions(image, 0, c.assignments())
                : newPartitions(image, 0, c.partitions(), c.replicationFactor());
        short replicationFactor = (short) states.get(0).replicas().size();
        TopicInfo t = new TopicInfo(c.name(), c.topicId(), replicationFactor, c.configs(), states);
        Map<String, TopicInfo> topics = new TreeMap<>(image.topics());
        topics.put(t.name(), t);
        return new Applied(image.withTopics(topics), CommandResult.ok());
    }

    private static List<PartitionState> newPartitions(MetadataImage image, int first, int count, int replicationFactor) {
        int existing = 0;
        for (TopicInfo t : image.topics().values()) {
            existing += t.partitions();
        }
        List<List<Integer>> replicas = Placement.assign(image.usableBrokers(), existing, first, count, replicationFactor);
        List<PartitionState> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            List<Integer> r = replicas.get(i);
            out.add(new PartitionState(first + i, r, r, r.get(0), 0, 0));
        }
        return out;
    }

    /**
     * Partitions {@code first, first + 1, ...} on the replicas the client chose (validated), as Kafka places a manual
     * assignment: the ISR is the assigned brokers that are not fenced, the first of them leads.
     */
    private static List<PartitionState> assignedPartitions(MetadataImage image, int first, List<List<Integer>> assignments) {
        List<PartitionState> out = new ArrayList<>(assignments.size());
        for (int i = 0; i < assignments.size(); i++) {
            List<Integer> replicas = assignments.get(i);
            List<Integer> isr = replicas.stream().filter(b -> isLive(image, b)).toList();
            out.add(new PartitionState(first + i, replicas, isr, isr.get(0), 0, 0));
        }
        return out;
    }

    private static Applied deleteTopic(MetadataImage image, MetadataCommand.DeleteTopic c) {
        if (!image.topics().containsKey(c.name())) {
            return new Applied(image, CommandResult.fail(ControllerError.UNKNOWN_TOPIC, "This server does not host this topic-partition."));
        }
        Map<String, TopicInfo> topics = new TreeMap<>(image.topics());
        topics.remove(c.name());
        return new Applied(image.withTopics(topics), CommandResult.ok());
    }

    private static Applied createPartitions(MetadataImage image, MetadataCommand.CreatePartitions c) {
        TopicInfo t = image.topics().get(c.name());
        if (t == null) {
            return new Applied(image, CommandResult.fail(ControllerError.UNKNOWN_TOPIC, "The topic '" + c.name() + "' does not exist."));
        }
        if (c.count() <= t.partitions()) {
            return new Applied(image, CommandResult.fail(ControllerError.INVALID_PARTITIONS,
                    "The topic " + c.name() + " currently has " + t.partitions() + " partition(s); " + c.count()
                            + " would not be an increase."));
        }
        if ((long) c.count() - t.partitions() > TopicValidation.MAX_NEW_PARTITIONS_PER_REQUEST) {
            // checked here too (the handlers refuse such requests first): nothing may size a list from a count unchecked
            return new Applied(image, CommandResult.fail(ControllerError.INVALID_PARTITIONS, TopicValidation.TOO_MANY_PARTITIONS));
        }
        List<PartitionState> states = new ArrayList<>(t.partitionStates());
        if (c.assignments() != null) {
            TopicRegistry.Result bad = TopicValidation.validateAddedAssignments(image, t, c.count(), c.assignments());
            if (bad != null) {
                return new Applied(image, CommandResult.fail(ControllerError.valueOf(bad.error().name()), bad.message()));
            }
            states.addAll(assignedPartitions(image, t.partitions(), c.assignments()));
        } else {
            if (t.replicationFactor() > image.usableBrokers().size()) {
                return new Applied(image, CommandResult.fail(ControllerError.INVALID_REPLICATION_FACTOR,
                        "Replication factor: " + t.replicationFactor() + " larger than available brokers: " + image.usableBrokers().size() + "."));
            }
            states.addAll(newPartitions(image, t.partitions(), c.count() - t.partitions(), t.replicationFactor()));
        }
        Map<String, TopicInfo> topics = new TreeMap<>(image.topics());
        topics.put(t.name(), t.withPartitions(states));
        return new Applied(image.withTopics(topics), CommandResult.ok());
    }

    private static Applied setTopicConfigs(MetadataImage image, MetadataCommand.SetTopicConfigs c) {
        TopicInfo t = image.topics().get(c.name());
        if (t == null) {
            return new Applied(image, CommandResult.fail(ControllerError.UNKNOWN_TOPIC, "The topic '" + c.name() + "' does not exist."));
        }
        for (Map.Entry<String, String> e : c.overrides().entrySet()) {
            String err = TopicConfigDef.validate(e.getKey(), e.getValue());
            if (err != null) {
                return new Applied(image, CommandResult.fail(ControllerError.INVALID_CONFIG, err));
            }
        }
        Map<String, TopicInfo> topics = new TreeMap<>(image.topics());
        topics.put(t.name(), t.withConfigs(c.overrides()));
        return new Applied(image.withTopics(topics), CommandResult.ok());
    }

    private static Applied alterPartition(MetadataImage image, MetadataCommand.AlterPartition c) {
        TopicInfo t = image.topics().get(c.topic());
        if (t == null || c.partition() < 0 || c.partition() >= t.partitions()) {
            return new Applied(image, CommandResult.fail(ControllerError.UNKNOWN_TOPIC, c.topic() + "-" + c.partition() + " does not exist"));
        }
        PartitionState p = t.partition(c.partition());
        if (p.leader() != c.leader() || p.leaderEpoch() != c.leaderEpoch()) {
            return new Applied(image, CommandResult.fail(ControllerError.FENCED_LEADER_EPOCH, "leader " + c.leader() + " epoch "
                    + c.leaderEpoch() + " is not the current leader " + p.leader() + " epoch " + p.leaderEpoch()));
        }
        if (p.partitionEpoch() != c.partitionEpoch()) {
            return new Applied(image, CommandResult.fail(ControllerError.INVALID_UPDATE_VERSION, "partition epoch "
                    + c.partitionEpoch() + " is not the current " + p.partitionEpoch()));
        }
        List<Integer> isr = c.isr();
        if (!isr.contains(c.leader()) || !p.replicas().containsAll(isr) || isr.stream().distinct().count() != isr.size()) {
            return new Applied(image, CommandResult.fail(ControllerError.INVALID_REQUEST, "ISR " + isr + " must be distinct replicas of "
                    + p.replicas() + " including the leader"));
        }
        for (int r : isr) {
            if (!p.isr().contains(r) && !isLive(image, r)) {
                return new Applied(image, CommandResult.fail(ControllerError.INVALID_REQUEST, "broker " + r + " is fenced and cannot join the ISR"));
            }
        }
        PartitionState next = maybeCompleteReassignment(image, p.withLeaderAndIsr(p.leader(), isr, p.leaderEpoch(), p.partitionEpoch() + 1));
        List<PartitionState> states = new ArrayList<>(t.partitionStates());
        states.set(c.partition(), next);
        Map<String, TopicInfo> topics = new TreeMap<>(image.topics());
        topics.put(t.name(), t.withPartitions(states));
        return new Applied(image.withTopics(topics), CommandResult.ok(next.partitionEpoch()));
    }

    private static Applied resignLeadership(MetadataImage image, MetadataCommand.ResignLeadership c) {
        TopicInfo t = image.topics().get(c.topic());
        if (t == null || c.partition() < 0 || c.partition() >= t.partitions()) {
            return new Applied(image, CommandResult.fail(ControllerError.UNKNOWN_TOPIC, c.topic() + "-" + c.partition() + " does not exist"));
        }
        PartitionState p = t.partition(c.partition());
        if (p.leader() != c.leader() || p.leaderEpoch() != c.leaderEpoch()) {
            return new Applied(image, CommandResult.fail(ControllerError.FENCED_LEADER_EPOCH, "leader " + c.leader() + " epoch "
                    + c.leaderEpoch() + " is not the current leader " + p.leader() + " epoch " + p.leaderEpoch()));
        }
        int next = electLeader(image, p.replicas(), p.isr(), c.leader(), false);
        if (next == PartitionState.NO_LEADER) {
            return new Applied(image, CommandResult.fail(ControllerError.ELIGIBLE_LEADERS_NOT_AVAILABLE, "no other live in-sync "
                    + "replica of " + c.topic() + "-" + c.partition() + " (ISR " + p.isr() + ") can take over from broker " + c.leader()));
        }
        List<Integer> isr = p.isr().stream().filter(r -> r != c.leader()).toList();
        PartitionState resigned = p.withLeaderAndIsr(next, isr, p.leaderEpoch() + 1, p.partitionEpoch() + 1);
        List<PartitionState> states = new ArrayList<>(t.partitionStates());
        states.set(c.partition(), resigned);
        Map<String, TopicInfo> topics = new TreeMap<>(image.topics());
        topics.put(t.name(), t.withPartitions(states));
        return new Applied(image.withTopics(topics), CommandResult.ok());
    }

    private static Applied electLeader(MetadataImage image, MetadataCommand.ElectLeader c) {
        TopicInfo t = image.topics().get(c.topic());
        if (t == null || c.partition() < 0 || c.partition() >= t.partitions()) {
            return new Applied(image, CommandResult.fail(ControllerError.UNKNOWN_TOPIC, c.topic() + "-" + c.partition() + " does not exist"));
        }
        PartitionState p = t.partition(c.partition());
        int leader;
        List<Integer> isr = p.isr();
        if (!c.unclean()) {
            leader = p.replicas().get(0);
            if (p.leader() == leader) {
                return new Applied(image, CommandResult.fail(ControllerError.ELECTION_NOT_NEEDED, "broker " + leader + " already leads"));
            }
            if (!isLive(image, leader) || !p.isr().contains(leader)) {
                return new Applied(image, CommandResult.fail(ControllerError.PREFERRED_LEADER_NOT_AVAILABLE,
                        "preferred replica " + leader + " is not live and in the ISR " + p.isr()));
            }
        } else {
            if (p.isOnline()) {
                return new Applied(image, CommandResult.fail(ControllerError.ELECTION_NOT_NEEDED, "broker " + p.leader() + " leads"));
            }
            leader = electLeader(image, p.replicas(), p.isr(), PartitionState.NO_LEADER, true);
            if (leader == PartitionState.NO_LEADER) {
                return new Applied(image, CommandResult.fail(ControllerError.ELIGIBLE_LEADERS_NOT_AVAILABLE, "no replica of "
                        + p.replicas() + " is live"));
            }
            if (!isr.contains(leader)) {
                isr = List.of(leader);
            }
        }
        PartitionState next = p.withLeaderAndIsr(leader, isr, p.leaderEpoch() + 1, p.partitionEpoch() + 1);
        List<PartitionState> states = new ArrayList<>(t.partitionStates());
        states.set(c.partition(), next);
        Map<String, TopicInfo> topics = new TreeMap<>(image.topics());
        topics.put(t.name(), t.withPartitions(states));
        return new Applied(image.withTopics(topics), CommandResult.ok());
    }

    private static Applied reassign(MetadataImage image, MetadataCommand.ReassignPartition c) {
        TopicInfo t = image.topics().get(c.topic());
        if (t == null || c.partition() < 0 || c.partition() >= t.partitions()) {
            return new Applied(image, CommandResult.fail(ControllerError.UNKNOWN_TOPIC, c.topic() + "-" + c.partition() + " does not exist"));
        }
        PartitionState p = t.partition(c.partition());
        PartitionState next;
        if (c.target() == null) {
            if (!p.isReassigning()) {
                return new Applied(image, CommandResult.fail(ControllerError.NO_REASSIGNMENT_IN_PROGRESS,
                        c.topic() + "-" + c.partition() + " is not being reassigned"));
            }
            next = cancelReassignment(image, p);
        } else {
            List<Integer> target = c.target();
            if (target.isEmpty() || target.stream().distinct().count() != target.size()
                    || !target.stream().allMatch(image.brokers()::containsKey)) {
                return new Applied(image, CommandResult.fail(ControllerError.INVALID_REPLICA_ASSIGNMENT, "replicas " + target
                        + " must be distinct registered brokers " + image.brokers().keySet()));
            }
            List<Integer> original = p.isReassigning() ? originalReplicas(p) : p.replicas();
            if (target.equals(original) && !p.isReassigning()) {
                return new Applied(image, CommandResult.ok());
            }
            List<Integer> full = new ArrayList<>(target);
            original.stream().filter(r -> !target.contains(r)).forEach(full::add);
            List<Integer> adding = target.stream().filter(r -> !original.contains(r)).toList();
            List<Integer> removing = original.stream().filter(r -> !target.contains(r)).toList();
            List<Integer> isr = p.isr().stream().filter(full::contains).toList();
            next = maybeCompleteReassignment(image, new PartitionState(p.partition(), full, isr.isEmpty() ? p.isr() : isr, p.leader(),
                    p.leaderEpoch(), p.partitionEpoch() + 1, adding, removing));
        }
        List<PartitionState> states = new ArrayList<>(t.partitionStates());
        states.set(c.partition(), next);
        Map<String, TopicInfo> topics = new TreeMap<>(image.topics());
        topics.put(t.name(), t.withPartitions(states));
        return new Applied(image.withTopics(topics), CommandResult.ok());
    }

    /** The replica set before the reassignment in progress started (current replicas minus those being added). */
    private static List<Integer> originalReplicas(PartitionState p) {
        return p.replicas().stream().filter(r -> !p.addingReplicas().contains(r)).toList();
    }

    private static PartitionState cancelReassignment(MetadataImage image, PartitionState p) {
        List<Integer> original = originalReplicas(p);
        List<Integer> isr = p.isr().stream().filter(original::contains).toList();
        int leader = p.leader();
        int leaderEpoch = p.leaderEpoch();
        if (leader != PartitionState.NO_LEADER && !original.contains(leader)) {
            leader = electLeader(image, original, isr, PartitionState.NO_LEADER, false);
            leaderEpoch++;
        }
        return new PartitionState(p.partition(), original, isr.isEmpty() ? List.of(original.get(0)) : isr, leader, leaderEpoch,
                p.partitionEpoch() + 1, List.of(), List.of());
    }

    /**
     * Completes a reassignment whose adding replicas are all in the ISR: the replicas become the target, removed
     * replicas leave the ISR, and a leader being removed hands over to the first live in-sync target replica.
     */
    static PartitionState maybeCompleteReassignment(MetadataImage image, PartitionState p) {
        if (!p.isReassigning() || !p.isr().containsAll(p.addingReplicas())) {
            return p;
        }
        List<Integer> target = p.targetReplicas();
        List<Integer> isr = p.isr().stream().filter(target::contains).toList();
        int leader = p.leader();
        int leaderEpoch = p.leaderEpoch();
        if (!target.contains(leader)) {
            leader = electLeader(image, target, isr, PartitionState.NO_LEADER, false);
            leaderEpoch++;
        }
        if (isr.isEmpty()) {
            // No target replica is in sync: keep the reassignment pending rather than lose the ISR.
            return p;
        }
        return new PartitionState(p.partition(), target, isr, leader, leaderEpoch, p.partitionEpoch() + 1, List.of(), List.of());
    }

    /** Partitions whose preferred replica is live and in sync but does not lead: the automatic rebalance's work. */
    public static List<MetadataCommand.ElectLeader> preferredElectionsDue(MetadataImage image) {
        List<MetadataCommand.ElectLeader> out = new ArrayList<>();
        for (TopicInfo t : image.topics().values()) {
            for (PartitionState p : t.partitionStates()) {
                int preferred = p.replicas().get(0);
                if (p.leader() != preferred && p.isr().contains(preferred) && isLive(image, preferred)) {
                    out.add(new MetadataCommand.ElectLeader(t.name(), p.partition(), false));
                }
            }
        }
        return out;
    }

    private static Applied allocateProducerIds(MetadataImage image, MetadataCommand.AllocateProducerIds c) {
        if (c.count() < 1) {
            return new Applied(image, CommandResult.fail(ControllerError.INVALID_REQUEST, "a producer id block needs at least one id"));
        }
        long first = image.nextProducerId();
        return new Applied(image.withNextProducerId(first + c.count()), CommandResult.ok(first));
    }
}
