#!/usr/bin/python3
"""A librdkafka consumer in a group: prints "assigned N" on each assignment and commits what it reads.

Usage: group_member.py BOOTSTRAP GROUP TOPIC SECONDS
"""
import sys
import time

from confluent_kafka import Consumer


def main():
    bootstrap, group, topic, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                         "enable.auto.commit": False, "session.timeout.ms": 6000, "client.id": "python-member",
                         "partition.assignment.strategy": "range"})

    def on_assign(c, partitions):
        print(f"assigned {len(partitions)}", flush=True)

    consumer.subscribe([topic], on_assign=on_assign)
    deadline = time.time() + seconds
    while time.time() < deadline:
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            print(f"error {msg.error()}", flush=True)
            return 1
        consumer.commit(message=msg, asynchronous=False)
        print(f"consumed {msg.partition()} {msg.offset()}", flush=True)
    consumer.close()
    print("closed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
