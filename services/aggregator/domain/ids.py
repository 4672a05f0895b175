"""report_id as the idempotency key of one country: what was first seen under each id.

The second arrival of a report_id never changes a count, whatever came in between: an
identical copy is a duplicate, a copy with other content a conflict (refused). So every
report judged on its content (applied, superseded, too late, summary) leaves a compact
entry: a digest of its content, its event position, its incident and its input offset. Reports
refused before that (from the future, undecodable, a conflict) leave none: a future report
re-driven once its time has come is accepted.

How long an id is remembered: until its report's event position falls ``retention``
behind the country's clock T (``VIGIL_AGGREGATOR_ID_RETENTION``, default 365 days, never
less than the lateness plus the longest window) and, past that, as long as the incident
of its first version is still held (an incident is kept from its newest report, which
may be much later than this one's). After that a re-use of the id is judged as a new
report (and if it is as old as the first one, it is too late anyway). Entries are looked
up as if already forgotten once both hold, so *when* the housekeeping runs never changes
an outcome.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Container
from typing import NamedTuple

from schemas.reports import IncidentReport
from services.aggregator.domain.schedule import Schedule


class IdEntry(NamedTuple):
    digest: str
    """16 hex digits of the report's canonical JSON (pydantic's serialisation of the
    validated report without its absent fields, so formatting and key order do not
    matter, and an optional field added to the schema later does not change it)."""
    position: float
    """The report's event position: the entry is forgotten once it is ``retention``
    behind the clock."""
    incident_id: str = ""
    """The first version's incident (where to look for it while it is held)."""
    origin: int = -1
    """Offset of the first version on the input topic (-1: unknown)."""


_SERIALIZER = IncidentReport.__pydantic_serializer__


def report_digest(report: IncidentReport) -> str:
    """Of the report's canonical JSON (``model_dump_json(exclude_none=True)``, without its
    wrapper): absent optional fields are left out, so adding one to the schema keeps the
    digest of every report that does not use it."""
    canonical = _SERIALIZER.to_json(report, exclude_none=True)
    return hashlib.blake2b(canonical, digest_size=8).hexdigest()


class ReportIds:
    def __init__(self) -> None:
        self.entries: dict[str, IdEntry] = {}
        self._expiry: Schedule[str] = Schedule()

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, report_id: str, line: float | None, held: Container[str]) -> IdEntry | None:
        """The entry of ``report_id`` unless it is forgotten: its position at or before
        ``line`` (the clock minus the retention) and its incident not in ``held``."""
        entry = self.entries.get(report_id)
        if entry is None:
            return None
        if line is not None and entry.position <= line and entry.incident_id not in held:
            return None
        return entry

    def remember(
        self, report_id: str, entry: IdEntry, line: float | None, held: Container[str] = ()
    ) -> bool:
        """Keep ``entry`` (False when it would be forgotten at once: nothing kept)."""
        if line is not None and entry.position <= line and entry.incident_id not in held:
            return False
        self.entries[report_id] = entry
        self._expiry.add(entry.position, report_id)
        return True

    def forget_until(self, line: float, held: Callable[[str], float | None]) -> list[str]:
        """Drop the entries at or before ``line`` whose incident is not held (``held``:
        the position of a held incident, else None; an entry of a held incident is looked
        at again once the line passes the incident's position); the ids dropped."""
        gone = []
        entries = self.entries
        for at, due in self._expiry.pop_until(line):
            for report_id in due:
                entry = entries.get(report_id)
                if entry is None or at < entry.position:
                    continue  # stale: forgotten already, or remembered anew since
                incident_at = held(entry.incident_id)
                if incident_at is None:
                    del entries[report_id]
                    gone.append(report_id)
                else:
                    self._expiry.add(max(incident_at, math.nextafter(at, math.inf)), report_id)
        return gone
