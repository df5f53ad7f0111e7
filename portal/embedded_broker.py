"""The embedded Celery broker (no server): kombu's filesystem transport, made safe to run unattended.

kombu's filesystem transport (5.7) writes a message file in place (open, then
write), and its reader moves and parses whatever ``*.msg`` file it lists; a
reader that comes between the two reads an empty file, raises JSONDecodeError
out of ``drain_events`` and the Celery worker exits (kombu issue #1551; the
order desk saw it 19 s after a start). It also forgets a message the moment it
reads it, so a worker killed before acknowledging loses what it held. Here:

- **Whole or nothing.** A message, and a new exchange table, is written under
  ``tmp/`` and renamed into place; a rename is atomic on one file system, so a
  reader sees all of a file or none of it.
- **Claimed until acknowledged.** A reader takes a file by renaming it into
  ``claimed/`` under its process id and deletes it on ack (or when it restores
  the message itself, at reject or shutdown). Files claimed by a process that is
  gone go back to the queue: at least once, as Redis's unacknowledged messages.
- **An unreadable file is parked, never fatal.** A file that is not a message
  kombu can build (empty, cut short, not JSON, wrong shape, body that does not
  decode) moves to ``unreadable/`` with an ERROR log naming it, and the worker
  goes on with the next one. A file younger than ``unreadable_grace_seconds`` is
  left where it is for a later poll, in case a writer that does not rename (an
  older version of this code) is still at it.

Folders (transport options, all on one file system): ``data_folder_in`` (=
``data_folder_out``), ``control_folder``, ``tmp_folder``, ``claimed_folder``,
``unreadable_folder``; the last three default to siblings of the queue folder.
One host only, as kombu's transport: a claim names a local process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
import uuid
from pathlib import Path
from queue import Empty

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

log = logging.getLogger("portal.embedded_broker")
CLAIM_SEPARATOR = "~"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


class Channel(filesystem.Channel):
    """A channel of the embedded broker (see the module's docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._claims: dict[str, list[Path]] = {}
        self._no_ack_queues: set[str] = set()
        self._orphans_checked_at = float("-inf")
        for folder in (self.data_folder_in, self.tmp_folder, self.claimed_folder, self.unreadable_folder):
            Path(folder).mkdir(parents=True, exist_ok=True)

    # --- folders and options ------------------------------------------------------------
    def _sibling(self, option: str, name: str) -> Path:
        return Path(self.transport_options.get(option) or Path(self.data_folder_in).parent / name)

    @cached_property
    def tmp_folder(self) -> Path:
        return self._sibling("tmp_folder", "tmp")

    @cached_property
    def claimed_folder(self) -> Path:
        return self._sibling("claimed_folder", "claimed")

    @cached_property
    def unreadable_folder(self) -> Path:
        return self._sibling("unreadable_folder", "unreadable")

    @cached_property
    def unreadable_grace_seconds(self) -> float:
        return float(self.transport_options.get("unreadable_grace_seconds", 2.0))

    @cached_property
    def orphan_check_seconds(self) -> float:
        return float(self.transport_options.get("orphan_check_seconds", 5.0))

    # --- writing --------------------------------------------------------------------------
    def _write_whole(self, target: Path, data: bytes, *, replace: bool = True) -> None:
        """Write ``data`` under tmp/, then rename (or, with ``replace=False``, link) it to ``target``."""
        tmp = self.tmp_folder / f"{uuid.uuid4()}.tmp"
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
            if replace:
                os.replace(tmp, target)
            else:
                os.link(tmp, target)  # FileExistsError when another process created it first
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _put(self, queue, payload, **kwargs) -> None:
        """Put a message on ``queue``: it appears in the queue folder whole, or not at all."""
        # Nanoseconds, zero-padded: file names sort in the order the messages were sent.
        name = f"{time.monotonic_ns():020d}_{uuid.uuid4()}.{queue}.msg"
        try:
            self._write_whole(Path(self.data_folder_out) / name, str_to_bytes(dumps(payload)))
        except OSError as exc:
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc

    def _queue_bind(self, exchange, routing_key, pattern, queue) -> None:
        # kombu creates a missing exchange table with open("wb") and only then locks it; a publisher
        # reading it in between finds it empty. Create it whole; an existing one is updated in place
        # under kombu's lock, which readers honour.
        file = self._exchange_file(exchange)
        if not file.exists():
            self.control_folder.mkdir(parents=True, exist_ok=True)
            entry = [filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")]
            with contextlib.suppress(FileExistsError):
                self._write_whole(file, str_to_bytes(dumps(entry)), replace=False)
                return
        super()._queue_bind(exchange, routing_key, pattern, queue)

    # --- reading --------------------------------------------------------------------------
    def _get(self, queue):
        """Claim and return the oldest readable message of ``queue``; park unreadable ones."""
        self._recover_orphans()
        wanted = f"{queue}.msg"
        folder = Path(self.data_folder_in)
        for name in sorted(os.listdir(folder)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = self.claimed_folder / f"{os.getpid()}{CLAIM_SEPARATOR}{name}"
            try:
                os.rename(folder / name, claimed)
            except OSError:
                continue  # another consumer took it
            try:
                payload = loads(bytes_to_str(claimed.read_bytes()))
                self._check(payload)
            except Exception as exc:  # whatever is wrong with one file, the worker goes on
                self._unreadable(claimed, folder / name, exc)
                continue
            if queue in self._no_ack_queues:
                claimed.unlink(missing_ok=True)
            else:
                self._claims.setdefault(payload["properties"]["delivery_tag"], []).append(claimed)
            return payload
        raise Empty()

    def _check(self, payload) -> None:
        """Raise unless kombu and Celery can take ``payload`` as a message."""
        if not isinstance(payload, dict):
            raise ValueError("not a JSON object")
        properties = payload.get("properties")
        if not isinstance(properties, dict) or not isinstance(properties.get("delivery_tag"), str):
            raise ValueError("no properties.delivery_tag")
        for value, what in ((properties.get("delivery_info"), "delivery_info"), (payload.get("headers"), "headers")):
            if value is not None and not isinstance(value, dict):
                raise ValueError(f"{what} is not an object")
        self.Message(payload, channel=self)  # decodes the body as the consumer will

    def _unreadable(self, claimed: Path, source: Path, exc: Exception) -> None:
        name = source.name
        try:
            age = time.time() - claimed.stat().st_mtime
            if age < self.unreadable_grace_seconds:
                os.rename(claimed, source)  # perhaps still being written: look again at a later poll
                return
            target = self.unreadable_folder / name
            os.replace(claimed, target)
        except OSError as move_error:
            log.error("embedded broker: message file %s is unreadable and could not be moved: %s", name, move_error)
            return
        log.error(
            "embedded broker: message file %s is not a message (%s: %s); parked in %s, the worker goes on",
            name,
            type(exc).__name__,
            str(exc)[:200],
            target,
        )

    def _recover_orphans(self, *, force: bool = False) -> int:
        """Put back in the queue what processes that are gone had claimed and not acknowledged."""
        now = time.monotonic()
        if not force and now - self._orphans_checked_at < self.orphan_check_seconds:
            return 0
        self._orphans_checked_at = now
        recovered = 0
        for name in os.listdir(self.claimed_folder):
            pid, separator, original = name.partition(CLAIM_SEPARATOR)
            if not separator or not pid.isdigit() or int(pid) == os.getpid() or _process_alive(int(pid)):
                continue
            try:
                os.rename(self.claimed_folder / name, Path(self.data_folder_in) / original)
            except OSError:
                continue  # another consumer put it back first
            recovered += 1
            log.warning("embedded broker: %s, claimed by process %s which is gone, is back in the queue", original, pid)
        return recovered

    def _release(self, delivery_tag) -> None:
        paths = self._claims.get(delivery_tag)
        if paths:
            paths.pop().unlink(missing_ok=True)
            if not paths:
                del self._claims[delivery_tag]

    # --- acknowledgement ------------------------------------------------------------------
    def basic_consume(self, queue, no_ack, *args, **kwargs):
        if no_ack:
            self._no_ack_queues.add(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_get(self, queue, no_ack=False, **kwargs):
        message = super().basic_get(queue, no_ack=no_ack, **kwargs)
        if message is not None and no_ack:
            self._release(message.delivery_tag)
        return message

    def basic_ack(self, delivery_tag, multiple=False) -> None:
        super().basic_ack(delivery_tag, multiple=multiple)
        self._release(delivery_tag)

    def basic_reject(self, delivery_tag, requeue=False) -> None:
        super().basic_reject(delivery_tag, requeue=requeue)  # requeue: _restore puts a copy back first
        self._release(delivery_tag)

    def _restore(self, message) -> None:
        super()._restore(message)
        self._release(message.delivery_tag)

    def _purge(self, queue) -> int:
        """Drop the queue's messages, and those that processes now gone had claimed from it."""
        self._recover_orphans(force=True)
        return super()._purge(queue)


class Transport(filesystem.Transport):
    """The embedded broker's transport: ``CELERY_BROKER_TRANSPORT`` with a ``filesystem://`` URL."""

    Channel = Channel
    driver_name = "embedded-filesystem"
    # kombu keeps one "already bound" state per process; it belongs to a folder (tests use several).
    states: dict[str, virtual.BrokerState] = {}

    def __init__(self, client, **kwargs) -> None:
        super().__init__(client, **kwargs)
        folder = str(client.transport_options.get("control_folder", "control"))
        self.state = self.states.setdefault(folder, virtual.BrokerState())


def transport_options(broker_dir: Path) -> dict[str, object]:
    """Transport options of an embedded broker kept in ``broker_dir``; creates its folders."""
    options: dict[str, object] = {
        "data_folder_in": str(broker_dir / "queue"),
        "data_folder_out": str(broker_dir / "queue"),
        # kombu's default is ./control, which would write into the checkout.
        "control_folder": str(broker_dir / "control"),
        "tmp_folder": str(broker_dir / "tmp"),
        "claimed_folder": str(broker_dir / "claimed"),
        "unreadable_folder": str(broker_dir / "unreadable"),
        # The folder is polled; kombu's default (1 s) would cap delivery at a message a second.
        "polling_interval": 0.1,
    }
    for folder in ("data_folder_in", "control_folder", "tmp_folder", "claimed_folder", "unreadable_folder"):
        Path(str(options[folder])).mkdir(parents=True, exist_ok=True)
    return options
