# One application of the client matrix on librdkafka (PyPI confluent-kafka): a producer writing numbered records
# and a consumer group member reading them, both bootstrapping from the pair's custom domain. It prints what the
# harness counts: "acked N" when the cluster acknowledged record N, "processed N" when the consumer handed N over.
# Usage: python client_app.py <bootstrap> <topic> <group> <records/s> <first record number> [librdkafka.property=value ...]
import signal
import sys
import threading
import time

from confluent_kafka import Consumer, Producer

bootstrap, topic, group, rate = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
first = int(sys.argv[5])
extra = dict(a.split('=', 1) for a in sys.argv[6:])
stop = threading.Event()
lock = threading.Lock()


def out(line):
    with lock:
        print(line, flush=True)


signal.signal(signal.SIGTERM, lambda *_: stop.set())


def consume():
    c = Consumer({**extra, 'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest'})
    c.subscribe([topic])
    while not stop.is_set():
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            out(f'log consumer: {m.error()}')
        else:
            out(f'processed {m.value().decode()}')
    c.close()  # commits what was processed, as a stopped application does


def delivered(err, msg):
    out(f'log send {msg.value().decode()} failed: {err}' if err else f'acked {msg.value().decode()}')


consumer = threading.Thread(target=consume)
consumer.start()
p = Producer({**extra, 'bootstrap.servers': bootstrap, 'acks': 'all'})
n = first
while not stop.is_set():
    try:
        p.produce(topic, key=f'k{n % 17}', value=str(n), on_delivery=delivered)
    except BufferError as e:
        out(f'log send {n} failed: {e}')
    n += 1
    p.poll(0)
    time.sleep(1 / rate)
p.flush(5)
consumer.join()
