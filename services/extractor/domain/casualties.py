"""Which counts in a sentence are casualty figures, of what measure, and how they add up.

A count gets its measure from the casualty word nearest to it in its clause: a verb just
before it ("killing 7 people", "the death of 3"), or after its noun group ("25 people ...
were killed", "2 fatalities", "5 wounded"). Coordinated counts share it ("killing 6
soldiers and 4 militiamen"). Counts after "including" / "among them" (or before "of whom")
are subgroups: they fill children_* / women_* but are not added to the total. Within one
sentence distinct groups add up; a stated total ("a total of", "death toll", "N fatalities",
"fatalities coded as N") overrides the parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from schemas.reports import Figure, Qualifier

from .numbers import Count, Token, ascii_digits, find_counts, tokenize
from .vocabulary import (
    ADVERBS,
    AUX,
    CHILD,
    COORD,
    ED_ADJECTIVES,
    INJURE_WORDS,
    INJURED,
    KILL_WORDS,
    KILLED,
    L_CODED,
    L_INJURE,
    L_KILL,
    L_SUBGROUP,
    LOCAL,
    PERSON,
    R_CODED,
    R_SUBGROUP,
    SKIP,
    THINGS,
    TOTAL,
    WOMAN,
)


@dataclass
class Mention:
    count: Count
    left: str
    right: list[Token]
    measure: str | None = None
    subgroup: bool = False
    total: bool = False
    local: bool = False
    coded: bool = False
    head: str = ""


@dataclass
class SentenceFigures:
    """Casualty figures stated by one sentence (None: not stated)."""

    figures: dict[str, Figure] = field(default_factory=dict)
    rank: int = 0
    """Of the killed figure: 2 an explicit coding statement or the share stated for this
    place (a later one corrects an earlier one), 1 a stated total, 0 parts."""

    def __bool__(self) -> bool:
        return bool(self.figures)


def _group(tokens: list[Token], limit: int = 14) -> int:
    """How many leading tokens form a noun group (no verbs, auxiliaries or clause breaks)."""
    n = 0
    for tok in tokens[:limit]:
        low = tok.low
        if tok.text == "IS":  # the Islamic State, not the verb
            n += 1
            continue
        if low in AUX or low in ADVERBS or KILL_WORDS.match(low) or INJURE_WORDS.match(low):
            break
        if not (
            low[0].isalpha()
            or low in {"-", "'", "(", ")", "&", ",", "/"}
            or low[-2:] in ("st", "nd", "rd", "th")
        ):
            break
        n += 1
    return n


def _right_measure(right: list[Token]) -> tuple[str | None, bool]:
    n = _group(right)
    rest = right[n:]
    passive = bool(rest) and rest[0].low in AUX
    while rest and (rest[0].low in AUX or rest[0].low in SKIP):
        rest = rest[1:]
    group = [t.low for t in right[:n]]
    if not passive and (
        "," in group or group[-1:] == ["and"] or n > 10 or any(_verbish(w) for w in group)
    ):
        # "one strike hit an area, killing ...", "3 vehicles and killed 10 ...": the casualty
        # verb belongs to another clause.
        return None, False
    if rest and rest[0].low == "shot" and len(rest) > 1 and rest[1].low == "dead":
        return KILLED, False
    if rest and rest[0].low == "lost" and len(rest) > 1 and rest[1].low == "their":
        return KILLED, False
    if not rest:
        return None, False
    if KILL_WORDS.match(rest[0].low):
        return KILLED, rest[0].low.startswith("fatalit")
    if INJURE_WORDS.match(rest[0].low):
        return INJURED, False
    return None, False


def _verbish(word: str) -> bool:
    return (
        word.endswith(("ed", "ing")) and word not in ED_ADJECTIVES and not word.endswith("backed")
    )


def _article_person(right: list[Token]) -> bool:
    """ "a child", "a QSD fighter", "an elderly woman"; not "a number of" / "an unknown"."""
    stop = ("number", "unknown", "unspecified", "few", "couple", "lot", "total")
    for tok in right:
        if tok.low in PERSON:
            return True
        if tok.low in stop or not (tok.low[0].isalpha() or ascii_digits(tok.low) or tok.low == "-"):
            return False
    return False


def _head(right: list[Token]) -> str:
    for tok in right[: max(_group(right, 6), 1)]:
        if tok.low in PERSON:
            return tok.low
    return ""


def mentions(sentence: str) -> list[Mention]:
    tokens = tokenize(sentence)
    counts = [
        c
        for c in find_counts(tokens)
        if not c.article or _article_person(tokens[c.last : c.last + 6])
    ]
    found: list[Mention] = []
    for k, c in enumerate(counts):
        start = counts[k - 1].last if k else 0
        stop = counts[k + 1].first if k + 1 < len(counts) else len(tokens)
        left = " ".join(t.low for t in tokens[start : c.first])
        found.append(Mention(c, left, tokens[c.last : stop], head=_head(tokens[c.last : stop])))
    for k, m in enumerate(found):
        tail = m.left[-80:]
        m.subgroup = bool(L_SUBGROUP.search(tail)) or (
            k > 0 and bool(R_SUBGROUP.match(" ".join(t.low for t in m.right[:2])))
        )
        if m.right and m.right[0].low in THINGS:
            continue
        if LOCAL.match(" ".join(t.low for t in m.right[:8])):
            m.measure, m.local = KILLED, True
        elif L_KILL.search(tail):
            m.measure, m.total = KILLED, bool(TOTAL.search(tail[-40:]))
        elif L_INJURE.search(tail):
            m.measure = INJURED
        else:
            m.measure, m.total = _right_measure(m.right)
        if m.measure == KILLED:
            right = " ".join(t.low for t in m.right[:5])
            m.coded = bool(L_CODED.search(tail[-40:]) or R_CODED.match(right))
        if m.measure is None and m.right[:1] and m.right[0].low in ("in", "total"):
            m.total = " ".join(t.low for t in m.right[:2]) in ("in total", "total")
    for k in range(1, len(found)):
        # "including a woman and 2 children": coordinated with a subgroup, so a subgroup.
        words = found[k].left.split()
        if found[k - 1].subgroup and words and words[-1] in COORD and len(words) <= 4:
            found[k].subgroup = True
    _propagate(found)
    _pronouns(sentence, found)
    return [m for m in found if m.measure is not None or m.left.endswith("total of")]


_PRONOUN = re.compile(
    r"\b(?:killing|killed|kill|executing|executed) (them|him|her|both|all of them)\b", re.I
)


def _pronouns(sentence: str, found: list[Mention]) -> None:
    """ "opened fire on two members, killing them": the pronoun's antecedent was killed."""
    if any(m.measure == KILLED for m in found):
        return
    for p in list(_PRONOUN.finditer(sentence))[:3]:
        before = [
            m
            for m in found
            if m.measure is None and m.head and m.right and m.right[0].start < p.start()
        ]
        if before:
            before[-1].measure = KILLED
            return


def _propagate(found: list[Mention]) -> None:
    """Coordinated counts and parents of a subgroup share the measure of their neighbour."""
    for _ in range(min(len(found), 6)):  # coordination chains are short; bound the work
        changed = False
        for k, m in enumerate(found):
            if m.measure is not None:
                continue
            n = _group(m.right, 8)
            nxt = found[k + 1] if k + 1 < len(found) else None
            prv = found[k - 1] if k else None
            # "6 soldiers and 4 militiamen", "15 YPG 39 IS fatalities": a short noun group.
            coord_right = n == len(m.right) <= 5 and (n <= 2 or m.right[-1].low in COORD)
            left_words = m.left.split()
            coord_left = (
                bool(left_words)
                and left_words[-1] in COORD
                and len(left_words) <= 8
                and not any(w in AUX or _verbish(w) for w in left_words)
            )
            if m.right and m.right[0].low in THINGS:
                continue
            if nxt and nxt.measure and ((nxt.subgroup and n == len(m.right)) or coord_right):
                m.measure, changed = nxt.measure, True
            elif prv and prv.measure and (coord_left or m.subgroup):
                m.measure, changed = prv.measure, True
        if not changed:
            break


def add(figures: list[Figure]) -> Figure:
    """Sum of figures of distinct groups; the weakest qualifier wins."""
    lows = sum(f.pick("low") for f in figures)
    highs = sum(f.pick("high") for f in figures)
    if lows != highs:
        return Figure.between(lows, highs)
    qualifiers = {f.qualifier for f in figures}
    for q in (Qualifier.AT_LEAST, Qualifier.ABOUT):
        if q in qualifiers:
            return Figure(qualifier=q, value=lows)
    return Figure.exact(lows)


def _under(parent: Figure | None, m: Mention) -> Figure:
    """ "At least 25 people, including 10 children": at least 10 children too."""
    f = m.count.figure
    at_least = parent is not None and parent.qualifier is Qualifier.AT_LEAST
    if m.subgroup and at_least and f.qualifier is Qualifier.EXACT and f.value is not None:
        return Figure.at_least(f.value)
    return f


def _coded(found: list[Mention]) -> list[Figure]:
    """A coding statement overrides the narrative figures around it ("fatalities coded as 0
    (a source reported 7)"), except a total stated after it ("coded as 10 for a total of 12")."""
    first = next((k for k, m in enumerate(found) if m.coded), None)
    if first is None:
        return []
    later = [
        m
        for m in found[first + 1 :]
        if not m.subgroup and m.measure in (KILLED, None) and m.left.endswith("total of")
    ]
    return [m.count.figure for m in found if m.coded] + [m.count.figure for m in later]


def sentence_figures(sentence: str) -> SentenceFigures:
    result = SentenceFigures()
    found = mentions(sentence)
    for measure in (KILLED, INJURED):
        own = [m for m in found if m.measure == measure]
        local = [m.count.figure for m in own if m.local]
        totals = [m.count.figure for m in own if m.total and not m.subgroup]
        parts = [m.count.figure for m in own if not m.subgroup] or [m.count.figure for m in own]
        coded = _coded(found) if measure == KILLED else []
        if local or coded:
            result.figures[measure] = max(local or coded, key=lambda f: f.pick("low"))
            result.rank = 2
        elif totals:
            result.figures[measure] = max(totals, key=lambda f: f.pick("low"))
            if measure == KILLED:
                result.rank = 1
        elif parts:
            result.figures[measure] = add(parts)
        parent = next((m.count.figure for m in own if not m.subgroup), None)
        children = [_under(parent, m) for m in own if m.head in CHILD]
        if children:
            result.figures[f"children_{measure}"] = add(children)
        women = [_under(parent, m) for m in own if m.head in WOMAN]
        if women and measure == KILLED:
            result.figures["women_killed"] = add(women)
    return result
