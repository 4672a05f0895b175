"""The private names ``services/common/faust_internals.py`` relies on are there, as it
expects them, in the installed faust-streaming, mode and aiokafka; the upstream code it
copies or builds on is the code it was written against; and the installed releases are
the pinned ones (``PINNED``, which the lock must install). An upgrade that changes any of
these fails here, before it can break the hot path or table recovery silently."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import IllegalStateError

from services.common.faust_internals import PINNED, RELIES_ON, UPSTREAM_SOURCES

LOCK = Path(__file__).resolve().parents[2] / "requirements" / "dev.lock"


def resolve(path: str) -> Any:
    module, _, qualname = path.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def sets_attribute(cls: type, name: str) -> bool:
    """``name`` is a class attribute or assigned as ``self.<name>`` in the class or a base."""
    if hasattr(cls, name):
        return True
    pattern = re.compile(rf"self\.{re.escape(name)}\s*(:[^=\n]*)?=")
    for klass in cls.__mro__:
        if klass is object:
            continue
        try:
            source = inspect.getsource(klass)
        except (OSError, TypeError):
            continue
        if pattern.search(source):
            return True
    return False


@pytest.mark.parametrize("package", sorted(PINNED))
def test_installed_and_locked_releases_are_the_pinned_ones(package: str) -> None:
    assert version(package) == PINNED[package], "re-check faust_internals, then update PINNED"
    assert f"{package}=={PINNED[package]} " in LOCK.read_text(encoding="utf-8")


@pytest.mark.parametrize(("target", "member", "params"), RELIES_ON, ids=lambda v: str(v))
def test_each_private_name_is_there_as_expected(
    target: str, member: str, params: tuple[str, ...] | None
) -> None:
    cls = resolve(target)
    assert sets_attribute(cls, member), f"{target} has no {member} any more"
    if params is not None:
        method = getattr(cls, member)
        assert callable(method), f"{target}.{member} is no longer a method"
        assert tuple(inspect.signature(method).parameters) == params, f"{target}.{member}"


@pytest.mark.parametrize("path", sorted(UPSTREAM_SOURCES))
def test_upstream_code_the_seam_copies_is_unchanged(path: str) -> None:
    source = inspect.getsource(resolve(path))
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    assert digest == UPSTREAM_SOURCES[path], (
        f"{path} changed upstream: re-read it against services/common/faust_internals.py, "
        "adapt that module, then record the new digest"
    )


def test_the_seam_subclasses_what_faust_uses() -> None:
    from faust.transport.drivers import aiokafka as driver

    from services.common import faust_internals as seam

    assert issubclass(seam.Transport, driver.Transport)
    assert seam.Transport.Consumer is seam.Consumer
    assert issubclass(seam.ConsumerThread, driver.AIOKafkaConsumerThread)


@pytest.mark.parametrize(
    "error",
    [IllegalStateError("No current assignment for partition"), AssertionError("none assigned")],
)
async def test_a_seek_that_a_rebalance_interrupts_is_not_fatal(error: Exception) -> None:
    """What aiokafka raises when a rebalance revokes partitions during the seek back to
    the committed offsets: the recovery after the rebalance seeks again."""
    from services.common.faust_internals import Consumer

    class Revoked:
        async def perform_seek(self) -> None:
            raise error

    await Consumer.seek_back_to_committed(Revoked())  # type: ignore[arg-type]


def test_a_changelog_batch_under_recovery_is_applied_at_once() -> None:
    """``Consumer.recover_in_bulk`` with a real Faust table (raw bytes, memory store):
    the batch lands in the table in offset order (a later write of a key wins, a
    tombstone deletes), the recovery's offset moves to the last record, its buffers are
    flushed first, and the last record is handed back for Faust's own path."""
    from collections import Counter
    from types import SimpleNamespace

    from aiokafka.structs import ConsumerRecord
    from faust.types import TP

    from services.common.faust_internals import Consumer, FaustApp

    app = FaustApp("bulk-test", store="memory://", key_serializer="raw", value_serializer="raw")
    table = app.Table("t", partitions=1, key_type=bytes, value_type=bytes)
    topic = table.changelog_topic.get_topic_name()
    tp, other = TP(topic, 0), TP(topic, 1)
    table.data[b"gone"] = b"old"
    flushed: list[bool] = []
    recovery = SimpleNamespace(
        tp_to_table={tp: table, other: table},
        active_tps={tp},
        standby_tps=set(),
        active_offsets=Counter({tp: 1}),
        standby_offsets=Counter(),
        flush_buffers=lambda: flushed.append(True),
    )
    owner = SimpleNamespace(
        app=SimpleNamespace(tables=SimpleNamespace(changelog_topics={topic}, recovery=recovery))
    )

    def record(offset: int, key: bytes, value: bytes | None) -> Any:
        return ConsumerRecord(topic, 0, offset, 0, 0, key, value, None, 0, 0, ())

    batch = [
        record(1, b"a", b"seen already"),  # at the recovery's offset: not applied again
        record(2, b"a", b"1"),
        record(3, b"b", b"2"),
        record(4, b"a", b"3"),
        record(5, b"gone", None),
    ]
    last = Consumer.recover_in_bulk(owner, tp, batch)  # type: ignore[arg-type]
    assert last is batch[-1] and flushed == [True]
    assert dict(table.data) == {b"a": b"3", b"b": b"2"}
    assert recovery.active_offsets[tp] == 5
    # a partition this worker does not recover takes Faust's path
    assert Consumer.recover_in_bulk(owner, other, batch) is None  # type: ignore[arg-type]
    assert Consumer.recover_in_bulk(owner, TP("input", 0), batch) is None  # type: ignore[arg-type]
