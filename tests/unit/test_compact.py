"""Compacted classified incidents (``services/aggregator/compact.py``) read, compare,
hash and serialise as before, share their repeated parts, and take less memory."""

from __future__ import annotations

import tracemalloc

import pytest
from pydantic import ValidationError

from schemas.incidents import ClassifiedIncident
from schemas.reports import Figure
from services.aggregator.compact import Interner
from services.aggregator.domain.ids import report_digest
from tests.factories import classified, report


def stream(n: int) -> list[ClassifiedIncident]:
    return [
        classified(
            report(
                f"r{i}",
                f"i{i}",
                killed=i % 7,
                children=Figure.at_least(i % 3),
                region=["Idlib", "Aleppo", "Hama"][i % 3],
                source=["White Helmets", "SOHR"][i % 2],
                hours=i,
            )
        )
        for i in range(n)
    ]


def decoded(items: list[ClassifiedIncident]) -> list[ClassifiedIncident]:
    """Fresh models as a worker decodes them (nothing shared)."""
    return [ClassifiedIncident.model_validate_json(i.model_dump_json()) for i in items]


def test_compacted_incidents_equal_and_serialise_as_before() -> None:
    originals = decoded(stream(60))
    interner = Interner()
    compacted = [interner.compact(i) for i in decoded(stream(60))]
    for before, after in zip(originals, compacted, strict=True):
        assert after == before
        assert after.model_dump_json() == before.model_dump_json()
        assert after.model_dump(mode="json") == before.model_dump(mode="json")
        assert report_digest(after.report) == report_digest(before.report)
        assert after.model_fields_set == before.model_fields_set
        assert after.report.casualties.model_fields_set == before.report.casualties.model_fields_set


def test_equal_parts_are_one_object_and_stay_frozen() -> None:
    interner = Interner()
    a, b, *_, c = [interner.compact(i) for i in decoded(stream(7))]  # r0, r1, ..., r6
    assert a.report.source is c.report.source  # White Helmets, both
    assert a.report.source is not b.report.source
    assert a.region is c.region  # Idlib
    assert a.report.casualties.children_killed is c.report.casualties.children_killed
    assert a.reasons is c.reasons  # both []
    assert a.__pydantic_fields_set__ is c.__pydantic_fields_set__
    with pytest.raises(ValidationError):
        a.report.source.name = "changed"  # type: ignore[misc]
    copy = a.model_copy(update={"severity": c.severity})
    assert copy.model_fields_set is not a.model_fields_set  # pydantic copies the set
    assert c.model_fields_set == a.model_fields_set


def test_compacted_incidents_take_far_less_memory() -> None:
    def held(compact: bool) -> int:
        interner = Interner()
        tracemalloc.start()
        items = decoded(stream(2000))
        if compact:
            items = [interner.compact(i) for i in items]
        size, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert len(items) == 2000
        return size

    assert held(True) < 0.5 * held(False)
