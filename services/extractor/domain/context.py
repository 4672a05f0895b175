"""What surrounds the figures: who said it, what kind of event, by whom, how verified."""

from __future__ import annotations

import re

from schemas.reports import EventType, Source, SourceKind, Verification

_KNOWN_SOURCES: tuple[tuple[re.Pattern[str], str, SourceKind], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), name, kind)
    for pattern, name, kind in (
        (r"\bwhite helmets\b|\bsyria civil defen[cs]e\b", "White Helmets", SourceKind.NGO),
        (
            r"\bSOHR\b|\bsyrian observatory\b",
            "Syrian Observatory for Human Rights",
            SourceKind.MONITOR,
        ),
        (
            r"\bSNHR\b|\bsyrian network for human rights\b",
            "Syrian Network for Human Rights",
            SourceKind.MONITOR,
        ),
        (r"\bairwars\b", "Airwars", SourceKind.MONITOR),
        (r"\bACLED\b", "ACLED", SourceKind.MONITOR),
        (r"\b(UN|U\.N\.|United Nations|UNICEF|OCHA|UNHCR|WHO)\b", "United Nations", SourceKind.UN),
        (
            r"\bwitness(es)?\b|\bresidents?\b|\blocals?\b|\beyewitness(es)?\b",
            "witnesses",
            SourceKind.WITNESS,
        ),
    )
)
_ATTRIBUTION = re.compile(
    r"\baccording to (?:the |a |an )?(?P<a>[^,.;]{2,80})"
    r"|(?P<b>(?:the )?[A-Z][\w'-]*(?:\s+(?:[A-Z][\w'-]*|of|for|and|the)){0,6}"
    r"|witnesses|residents|activists)"
    r"\s+(?:said|says|reported|reports|told|stated|announced|documented|confirmed"
    r"|have reported|has reported)\b"
    r"|\b(?:said|reported|told)\s+(?:the\s+)?(?P<c>[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,5})"
)
_KIND_WORDS: tuple[tuple[re.Pattern[str], SourceKind], ...] = (
    (
        re.compile(
            r"\b(ministry|minister|government|army|military|police|governor|spokesman|forces)\b",
            re.I,
        ),
        SourceKind.GOVERNMENT,
    ),
    (re.compile(r"\b(observatory|network|monitor)\b", re.I), SourceKind.MONITOR),
    (
        re.compile(
            r"\b(news|agency|times|post|tv|radio|press|reuters|afp|ap|media|sana|journal)\b", re.I
        ),
        SourceKind.MEDIA,
    ),
    (
        re.compile(
            r"\b(organi[sz]ation|committee|society|crescent|cross|foundation|watch|amnesty|doctors|rescue|group|msf|ngo)\b",
            re.I,
        ),
        SourceKind.NGO,
    ),
)
_APPOSITION = re.compile(r"^(.*?)(?:,|\s+(?:a|an|which|who|that)\s).*$")


def attributed_source(sentence: str) -> Source | None:
    """The source a sentence attributes its content to, if it names one."""
    m = _ATTRIBUTION.search(sentence)
    if not m:
        return None
    raw = (m.group("a") or m.group("b") or m.group("c") or "").strip()
    raw = _APPOSITION.sub(r"\1", raw).strip()
    raw = re.sub(r"^(the|a|an)\s+", "", raw, flags=re.IGNORECASE)
    if len(raw) < 2:
        return None
    for pattern, name, kind in _KNOWN_SOURCES:
        if pattern.search(raw):
            return Source(name=name, kind=kind)
    for pattern, kind in _KIND_WORDS:
        if pattern.search(raw):
            return Source(name=raw[:200], kind=kind)
    return Source(name=raw[:200], kind=SourceKind.OTHER)


_EVENT_TYPES: tuple[tuple[EventType, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (EventType.DRONE_STRIKE, r"\b(drones?|UAVs?|unmanned aerial)\b"),
        (
            EventType.AIR_STRIKE,
            r"\b(air ?strikes?|air[- ]raids?|warplanes?|airstrikes?|aircraft|jets?|helicopters?"
            r"|barrel bombs?|aerial|bombing raids?)\b",
        ),
        (
            EventType.EXPLOSION,
            r"\b(explosions?|exploded|explosive|IEDs?|car bombs?|landmines?|mines?|suicide"
            r"|blasts?|detonat\w+|bomb went off)\b",
        ),
        (
            EventType.SHELLING,
            r"\b(shell(?:ing|ed|s)?|artillery|mortars?|rockets?|missiles?|bombardment|bombarded)\b",
        ),
        (
            EventType.ARMED_CLASH,
            r"\b(clash(?:es|ed)?|fighting|battles?|firefights?|exchange of fire|ambush(?:ed)?"
            r"|skirmish(?:es)?)\b",
        ),
        (
            EventType.ATTACK_ON_CIVILIANS,
            r"\b(gunmen|shot dead|opened fire|executed|execution|massacre|assassinat\w+"
            r"|shot and killed|stabbed|snipers?)\b",
        ),
        (
            EventType.TERRITORIAL_CHANGE,
            r"\b(captured|seized|took control|regained control|advanced)\b",
        ),
        (EventType.DISPLACEMENT, r"\b(fled|displaced|displacement)\b"),
    )
)


def event_type(sentence: str) -> EventType | None:
    for kind, pattern in _EVENT_TYPES:
        if pattern.search(sentence):
            return kind
    return None


_BY = re.compile(
    r"\b(?:strikes?|airstrikes?|raids?|shelling|attacks?|bombardment|bombing|fire|killed|targeted|"
    r"carried out|conducted|launched)\s+by\s+(?P<who>[^,.;:()]{2,120})"
)
_BY_END = re.compile(
    r"\s+(?:targeted|targeting|on|in|against|near|at|which|that|who|killed|killing|hit|struck|as|after)\b.*$"
)
_ALLY = re.compile(
    r"^(?:the|its|their|his)\s+(?:allies?|ally|backers?)\s+|^(?:the|its|their)\s+", re.IGNORECASE
)
_ADJECTIVE_ACTORS = {
    "russian": "Russia",
    "turkish": "Turkey",
    "israeli": "Israel",
    "american": "United States",
    "us": "United States",
    "u.s.": "United States",
    "coalition": "US-led coalition",
    "iraqi": "Iraq",
    "iranian": "Iran",
    "regime": "Syrian government",
    "syrian": "Syrian government",
}
_ADJ_ACTOR = re.compile(
    r"\b(Russian|Turkish|Israeli|American|US|U\.S\.|[Cc]oalition|Iraqi|Iranian|[Rr]egime|Syrian)\s+"
    r"(?:war)?(?:planes|jets|aircraft|drones?|forces|army|troops|artillery|helicopters"
    r"|air force|strikes?)"
)


def perpetrators(sentence: str) -> list[str]:
    """Alleged perpetrators named with "by ..." or an actor adjective ("Russian warplanes")."""
    found: list[str] = []
    for m in _BY.finditer(sentence):
        who = _BY_END.sub("", m.group("who"))
        for part in re.split(r",\s*|\s+and\s+|\s*&\s*", who):
            name = _ALLY.sub("", _ALLY.sub("", part.strip())).strip()
            if 1 < len(name) <= 200 and name[0].isupper() and name not in found:
                found.append(name)
    if not found:
        for m in _ADJ_ACTOR.finditer(sentence):
            name = _ADJECTIVE_ACTORS[m.group(1).casefold()]
            if name not in found:
                found.append(name)
    return found[:50]


_UNVERIFIED = re.compile(
    r"\b(unverified|unconfirmed|(?:could|can)\s*not\s+(?:be\s+)?(?:independently\s+)?(?:verif|confirm)\w*|"
    r"not\s+(?:been\s+)?(?:independently\s+)?(?:verified|confirmed)"
    r"|unable to (?:independently )?(?:verify|confirm))",
    re.IGNORECASE,
)
_DISPUTED = re.compile(
    r"\b(disputed|denied|contested)\s+(?:the\s+)?(?:toll|figures?|report|claims?)\b", re.I
)


def verification(sentence: str) -> Verification | None:
    if _UNVERIFIED.search(sentence):
        return Verification.UNVERIFIED
    if _DISPUTED.search(sentence):
        return Verification.DISPUTED
    return None
