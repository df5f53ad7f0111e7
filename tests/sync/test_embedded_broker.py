"""The embedded broker (portal/embedded_broker.py) as kombu uses it: whole messages, claims, unreadable files parked."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Queue

from portal.embedded_broker import Transport, transport_options

ROOT = Path(__file__).resolve().parents[2]


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


@pytest.fixture
def broker_log():
    handler = Records()
    logger = logging.getLogger("portal.embedded_broker")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


@pytest.fixture
def broker(tmp_path):
    return tmp_path / "broker"


def connect(broker: Path, **options) -> Connection:
    return Connection("filesystem://", transport=Transport, transport_options={**transport_options(broker), **options})


QUEUE = Queue("jobs", Exchange("jobs", type="direct"), routing_key="jobs")


def publish(conn: Connection, body, count: int = 1) -> None:
    producer = conn.Producer(serializer="json")
    for _ in range(count):
        producer.publish(body, exchange=QUEUE.exchange, routing_key="jobs", declare=[QUEUE])


def receive(conn: Connection, *, limit: int, ack: bool = True, timeout: float = 5) -> list:
    """Bodies of up to ``limit`` messages, as a Celery worker's consumer gets them."""
    got: list = []

    def on_message(body, message) -> None:
        got.append((body, message))
        if ack:
            message.ack()

    with conn.Consumer([QUEUE], callbacks=[on_message], accept=["json"]):
        deadline = time.monotonic() + timeout
        while len(got) < limit and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                conn.drain_events(timeout=0.2)
    return got


def files(folder: Path) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


UNREADABLE = {
    "empty (the writer between open and write)": b"",
    "cut short": b'{"body": "eyJ',
    "not UTF-8": b"\xff\xfe\x00{",
    "JSON, not an object": b"[]",
    "no properties": b'{"body": "e30="}',
    "delivery tag not text": b'{"body": "e30=", "properties": {"delivery_tag": 7}}',
    "headers not an object": b'{"body": "e30=", "headers": [], "properties": {"delivery_tag": "t"}}',
    "delivery_info not an object": b'{"body": "e30=", "properties": {"delivery_tag": "t", "delivery_info": "x"}}',
    "body in an unknown encoding": b'{"body": "e30=", "properties": {"delivery_tag": "t", "body_encoding": "rot13"}}',
}


@pytest.mark.parametrize("content", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_file_is_parked_logged_and_the_next_message_delivered(broker, broker_log, content):
    with connect(broker, unreadable_grace_seconds=0) as conn:
        publish(conn, {"n": 0})  # declares the queue; this one is consumed first
        name = "000000000000001_bughunt.jobs.msg"
        (broker / "queue" / name).write_bytes(content)
        publish(conn, {"n": 1})
        got = receive(conn, limit=2)
    assert [body for body, _ in got] == [{"n": 0}, {"n": 1}]
    assert files(broker / "unreadable") == [name]
    assert (broker / "unreadable" / name).read_bytes() == content  # kept for whoever looks into it
    assert files(broker / "queue") == files(broker / "claimed") == []
    [line] = broker_log
    assert line.startswith(f"ERROR embedded broker: message file {name} is not a message (")
    assert "parked in" in line


def test_a_young_unreadable_file_is_left_for_its_writer_then_parked(broker, broker_log):
    with connect(broker, unreadable_grace_seconds=60) as conn:
        publish(conn, {"n": 1})
        young = broker / "queue" / "000000000000000_slow-writer.jobs.msg"
        young.write_bytes(b"")
        assert [body for body, _ in receive(conn, limit=1)] == [{"n": 1}]  # not held up behind it
        assert young.exists() and broker_log == []
        an_hour_ago = time.time() - 3600
        os.utime(young, (an_hour_ago, an_hour_ago))
        assert receive(conn, limit=1, timeout=1) == []
    assert files(broker / "unreadable") == [young.name]
    assert len(broker_log) == 1


def test_a_message_is_claimed_until_acknowledged(broker):
    with connect(broker) as conn:
        publish(conn, {"n": 1})
        [(_, message)] = receive(conn, limit=1, ack=False)
        assert files(broker / "queue") == []
        [claim] = files(broker / "claimed")
        assert claim.startswith(f"{os.getpid()}~")
        message.ack()
        assert files(broker / "claimed") == []


def test_unacknowledged_messages_go_back_to_the_queue_when_the_consumer_closes(broker):
    with connect(broker) as conn:
        publish(conn, {"n": 1})
        receive(conn, limit=1, ack=False)
    assert files(broker / "claimed") == []
    with connect(broker) as conn:
        [(body, _)] = receive(conn, limit=1)
    assert body == {"n": 1}


def test_a_rejected_message_is_requeued_once(broker):
    with connect(broker) as conn:
        publish(conn, {"n": 1})
        [(_, message)] = receive(conn, limit=1, ack=False)
        message.requeue()
        assert files(broker / "claimed") == [] and len(files(broker / "queue")) == 1
        assert [body for body, _ in receive(conn, limit=5, timeout=1)] == [{"n": 1}]


CONSUMER = """
import sys, time
sys.path.insert(0, {root!r})
from tests.sync.test_embedded_broker import connect, receive
from pathlib import Path
with connect(Path({broker!r})) as conn:
    got = receive(conn, limit=1, ack=False)
    print("got", got[0][0], flush=True)
    time.sleep(600)
"""


def test_what_a_killed_consumer_held_is_delivered_again_and_a_live_ones_claim_is_not_taken(broker):
    with connect(broker, orphan_check_seconds=0) as conn:
        publish(conn, {"n": 1})
        consumer = subprocess.Popen(  # another worker's process
            [sys.executable, "-c", CONSUMER.format(root=str(ROOT), broker=str(broker))],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert consumer.stdout.readline().strip() == "got {'n': 1}"
            assert receive(conn, limit=1, timeout=1) == []  # it is still alive: its claim holds
            consumer.send_signal(signal.SIGKILL)
            consumer.wait()
            assert [body for body, _ in receive(conn, limit=1)] == [{"n": 1}]
        finally:
            consumer.kill()
            consumer.wait()
    assert files(broker / "claimed") == files(broker / "queue") == []


def test_large_messages_are_read_whole_while_they_are_written(broker, broker_log):
    """kombu's own transport fails this: its reader picks up files the writer has not finished."""
    count, blob = 150, "x" * 400_000
    with connect(broker) as producer_conn, connect(broker) as consumer_conn:
        publish(producer_conn, {"n": -1, "blob": ""})  # the queue exists before the reader starts
        errors: list[BaseException] = []

        def produce() -> None:
            try:
                producer = producer_conn.Producer(serializer="json")
                for n in range(count):
                    producer.publish({"n": n, "blob": blob}, exchange=QUEUE.exchange, routing_key="jobs")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        writer = threading.Thread(target=produce)
        writer.start()
        got = receive(consumer_conn, limit=count + 1, timeout=120)
        writer.join()
    assert errors == []
    assert [body["n"] for body, _ in got] == list(range(-1, count))
    assert all(body["blob"] == blob for body, _ in got[1:])
    assert broker_log == [] and files(broker / "unreadable") == []


def test_a_new_exchange_table_is_never_seen_empty(broker):
    """kombu creates an exchange's table with open("wb") before writing it; a publisher in between read ''."""
    tables = 400
    with connect(broker) as conn:
        channel = conn.default_channel
        stop = threading.Event()
        errors: list[Exception] = []

        def read_tables() -> None:
            while not stop.is_set():
                for n in range(tables):
                    try:
                        channel.get_table(f"fresh{n}")
                    except Exception as exc:
                        errors.append(exc)

        reader = threading.Thread(target=read_tables)
        reader.start()
        try:
            for n in range(tables):
                channel._queue_bind(f"fresh{n}", f"key{n}", "", f"queue{n}")
        finally:
            stop.set()
            reader.join()
        assert errors == []
        assert all(channel.get_table(f"fresh{n}") == [(f"key{n}", "", f"queue{n}")] for n in range(tables))
    assert files(broker / "tmp") == []
