#!/usr/bin/python3
"""confluent-kafka-python against brokerd: produce N keyed records with headers, consume them back in a group.

Usage: roundtrip.py BOOTSTRAP TOPIC COUNT [KEY=VALUE]...   (exit 0 when every record came back exactly, in order)
KEY=VALUE pairs are client settings for every client (security.protocol=SSL, ssl.ca.location=...).
"""
import sys
import uuid

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def main():
    bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    extra = dict(a.split("=", 1) for a in sys.argv[4:])
    admin = AdminClient({"bootstrap.servers": bootstrap, **extra})
    futures = admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    futures[topic].result(timeout=20)

    delivered = []
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)
        else:
            delivered.append((msg.partition(), msg.offset(), msg.key(), msg.value()))

    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5, **extra})
    for i in range(count):
        producer.produce(topic, key=f"key-{i % 7}".encode(), value=f"value-{i}".encode(),
                         headers=[("seq", str(i).encode())], on_delivery=on_delivery)
        producer.poll(0)
    remaining = producer.flush(30)
    if remaining or errors:
        print(f"produce failed: remaining={remaining} errors={errors}", file=sys.stderr)
        return 1

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "py-" + uuid.uuid4().hex,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False, **extra})
    # Assign explicitly: consumer groups arrive with the groups issue.
    consumer.assign([TopicPartition(topic, 0, 0), TopicPartition(topic, 1, 0)])
    got = []
    import time
    deadline = time.time() + 60
    while len(got) < count and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            print(f"consume error: {msg.error()}", file=sys.stderr)
            return 1
        headers = dict(msg.headers() or [])
        got.append((msg.partition(), msg.offset(), msg.key(), msg.value(), headers.get("seq")))
    consumer.close()

    if len(got) != count:
        print(f"consumed {len(got)} of {count}", file=sys.stderr)
        return 1
    expected = sorted(delivered)
    actual = sorted((p, o, k, v) for p, o, k, v, _ in got)
    if expected != actual:
        print("records differ", file=sys.stderr)
        return 1
    for part in (0, 1):
        offsets = [o for p, o, _, _ in expected if p == part]
        if offsets != list(range(len(offsets))):
            print(f"offsets of partition {part} not contiguous", file=sys.stderr)
            return 1
    for p, o, k, v, seq in got:
        if seq is None or v != f"value-{int(seq)}".encode():
            print(f"header/value mismatch at {p}/{o}", file=sys.stderr)
            return 1
    print(f"ok {count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
