"""Where a linked incident's count comes from, for the alert evidence (pure): the other
incidents linked to it (by the linker, with the score and its reasons, or by an analyst),
what they would add on their own, and the suspected duplicates that are not linked.

"On its own" is what an incident would add to the window were nothing linked: its own
reports' figure for the rule, if its own day and region put it in the window and group.
"""

from __future__ import annotations

from collections.abc import Mapping

from schemas.alerts import LinkedIncident, SuspectedDuplicate
from schemas.incidents import ClassifiedIncident
from services.aggregator.domain.incidents import CombinePolicy, IncidentView, build_view
from services.aggregator.domain.linking.groups import Edge
from services.aggregator.domain.linking.linker import Linker
from services.aggregator.domain.rules import Rule

MAX_SUSPECTS = 5
Reports = Mapping[str, ClassifiedIncident]


class Provenance:
    """What the evidence of an alert says about links, read from an engine's state."""

    def __init__(
        self,
        linker: Linker,
        reports: Mapping[str, Reports],
        views: Mapping[str, IncidentView],
        unit_of: Mapping[str, str],
        parts: Mapping[str, tuple[str, ...]],
        unreliable: frozenset[str],
        policy: CombinePolicy,
    ) -> None:
        self.unreliable = unreliable
        self.policy = policy
        self.linker = linker
        self.reports = reports
        self.views = views
        self.unit_of = unit_of
        self.parts = parts

    def linked(
        self, rule: Rule, view: IncidentView, end: float, group: str
    ) -> tuple[list[LinkedIncident], int]:
        """The incidents linked to ``view``'s first member, and what all its members would
        add on their own."""
        found = self.linker.group_of(view.members[0])
        edges = found[1] if found else ()
        alone = 0
        out = []
        for member in view.members:
            value = self._alone(rule, member, end, group)
            alone += value
            if member == view.members[0]:
                continue
            edge = next((e for e in edges if member in e.pair), None)
            out.append(self._linked(member, value, edge))
        return out, alone

    def _linked(self, member: str, value: int, edge: Edge | None) -> LinkedIncident:
        sources = sorted({r.report.source.name for r in self.reports[member].values()})
        if edge is not None and edge.decision is not None:
            decision = edge.decision
            reasons = [decision.reason] if decision.reason else []
            return LinkedIncident(
                incident_id=member,
                sources=sources,
                value=value,
                linked_by=decision.analyst or "analyst",
                reasons=reasons,
            )
        return LinkedIncident(
            incident_id=member,
            sources=sources,
            value=value,
            linked_by="linker",
            probability=None if edge is None else edge.probability,
            reasons=[] if edge is None else list(edge.reasons),
        )

    def suspects(
        self, rule: Rule, view: IncidentView, end: float, group: str
    ) -> list[SuspectedDuplicate]:
        """Suspected duplicates of ``view``'s members that are not linked, best first."""
        best: dict[str, tuple[float, tuple[str, ...]]] = {}
        for member in view.members:
            for other, score in self.linker.suspects(member):
                if other in view.members or other not in self.reports:
                    continue
                if other not in best or score.probability > best[other][0]:
                    best[other] = (score.probability, score.reasons)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))[:MAX_SUSPECTS]
        return [
            SuspectedDuplicate(
                incident_id=other,
                probability=probability,
                reasons=list(reasons),
                value=self._counted(rule, other, end, group),
            )
            for other, (probability, reasons) in ranked
        ]

    def unit(self, incident_id: str) -> str:
        return self.unit_of.get(incident_id, incident_id)

    def _counted(self, rule: Rule, incident_id: str, end: float, group: str) -> int:
        """What ``incident_id``'s unit adds to the window now."""
        unit = self.unit(incident_id)
        total = 0
        for part in self.parts.get(unit, (unit,)):
            view = self.views.get(part)
            if view is not None and _inside(rule, view, end, group):
                total += view.values.get(rule.value_key, 0)
        return total

    def _alone(self, rule: Rule, incident_id: str, end: float, group: str) -> int:
        view = build_view(
            incident_id,
            self.reports[incident_id],
            (rule.spec,),
            (rule.group_by,),
            self.unreliable,
            self.policy,
        )
        return view.values.get(rule.value_key, 0) if _inside(rule, view, end, group) else 0


def _inside(rule: Rule, view: IncidentView, end: float, group: str) -> bool:
    return end - rule.window_seconds < view.position <= end and view.groups[rule.group_by] == group
