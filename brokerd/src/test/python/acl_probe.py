#!/usr/bin/python3
"""confluent-kafka-python as one principal against a broker with ACLs: prints what the client saw, one line.

Usage: acl_probe.py BOOTSTRAP MODE TOPIC [KEY=VALUE]...
  produce  one record to TOPIC partition 0        -> "produced OFFSET" or "error NAME"
  consume  from the start of TOPIC partition 0    -> "consumed N" (until caught up) or "error NAME"
           (assigned, not subscribed; librdkafka still looks up the coordinator of group acl-probe: grant READ on it)
  topics   the topics the principal may see       -> "topics A,B,..." or "error NAME"
KEY=VALUE pairs are client settings (security.protocol, sasl.*, ssl.ca.location). Exit 0 unless the probe itself
broke (a timeout without any answer is "error TIMEOUT").
"""
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient


def produce(bootstrap, topic, extra):
    outcome = []
    producer = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 15000, **extra})
    producer.produce(topic, value=b"probe", partition=0,
                     on_delivery=lambda err, msg: outcome.append(err.name() if err else msg.offset()))
    producer.flush(30)
    if not outcome:
        return "error TIMEOUT"
    return f"error {outcome[0]}" if isinstance(outcome[0], str) else f"produced {outcome[0]}"


def consume(bootstrap, topic, extra):
    # Some refusals (a topic the principal may not even describe) come through the error callback, not a message.
    seen = []
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "acl-probe", "enable.partition.eof": True,
                         "enable.auto.commit": False, "error_cb": seen.append, **extra})
    consumer.assign([TopicPartition(topic, 0, 0)])
    got = 0
    deadline = time.time() + 30
    try:
        while time.time() < deadline:
            msg = consumer.poll(0.5)
            refused = [e.name() for e in seen if "AUTHORIZATION" in e.name()]
            if refused:
                return f"error {refused[0]}"
            if msg is None:
                continue
            if msg.error():
                if msg.error().name() == "_PARTITION_EOF":
                    return f"consumed {got}"
                return f"error {msg.error().name()}"
            got += 1
        return "error TIMEOUT " + ",".join(e.name() for e in seen)
    finally:
        consumer.close()


def topics(bootstrap, extra):
    seen = []
    admin = AdminClient({"bootstrap.servers": bootstrap, "error_cb": seen.append, **extra})
    try:
        md = admin.list_topics(timeout=20)
    except KafkaException as e:
        # A refused login shows in the error callback (served by poll); the call itself only times out (_TRANSPORT).
        admin.poll(1)
        refused = [err for err in seen if err.code() == KafkaError._AUTHENTICATION or "Authentication failed" in err.str()]
        return "error _AUTHENTICATION" if refused else f"error {e.args[0].name()}"
    return "topics " + ",".join(sorted(t for t in md.topics if not t.startswith("__")))


def main():
    bootstrap, mode, topic = sys.argv[1], sys.argv[2], sys.argv[3]
    extra = dict(a.split("=", 1) for a in sys.argv[4:])
    if mode == "produce":
        print(produce(bootstrap, topic, extra))
    elif mode == "consume":
        print(consume(bootstrap, topic, extra))
    elif mode == "topics":
        print(topics(bootstrap, extra))
    else:
        print(f"unknown mode {mode}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
