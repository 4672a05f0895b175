"""Which counts in a sentence are casualty figures, of what measure, and how they add up.

A count gets its measure from the casualty word nearest to it in its clause: a verb just
before it ("killing 7 people", "the death of 3"), or after its noun group ("25 people ...
were killed", "2 fatalities", "5 wounded"); a casualty word right after a short noun group
wins over the verb before it ("killed 3 injured", "6 Killed 12 Wounded"). A count that is the
subject of an active verb with an object ("Three suicide bombers killed at least two people")
is the agent, not a victim. Asides between a count and its verb are skipped ("Eleven people,
among them three rescue workers, died"; "Four teenagers - names - died"; "a man, who was
between 24 and 30, died"). Coordinated counts share the measure ("killing 6 soldiers and 4
militiamen", "30 soldiers as well as 50 rebels"). Counts after "including" / "among them" (or
before "of whom") are subgroups: they fill children_* / women_* but are not added to the
total. Within one sentence distinct groups add up; a stated total ("a total of", "death toll",
"N fatalities", "fatalities coded as N") overrides the parts; the same figure stated again
in another clause of the sentence (a headline run into its body) is counted once. "Killed
and wounded" together ("Five killed and wounded") is no figure. A singular person with no
number counts one when it stands next to its casualty verb ("rockets kill civilian",
"killing the owner of the house", "Woman and child killed").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from schemas.reports import Figure, Qualifier

from .numbers import (
    NAME_NOUNS,
    TENS,
    UNITS,
    VAGUE,
    Count,
    Token,
    ascii_digits,
    find_counts,
    tokenize,
)
from .persons import uncounted_victims
from .vocabulary import (
    ADDITIVE,
    ADVERBS,
    AUX,
    CHILD,
    COORD,
    COORD_PHRASE,
    DETERMINERS,
    ED_ADJECTIVES,
    GROUP_ENDS,
    INJURE_VERBS,
    INJURE_WORDS,
    INJURED,
    INJURED_FAR,
    KILL_VERBS,
    KILL_WORDS,
    KILLED,
    L_BOTH,
    L_CODED,
    L_INCLUDE,
    L_INJURE,
    L_KILL,
    L_SUBGROUP,
    LOCAL,
    PARTICIPLES,
    PERSON,
    PREPOSITIONS,
    R_CODED,
    R_PART_OF,
    R_SUBGROUP,
    SINGULAR_PERSON,
    SKIP,
    THINGS,
    TOLL_FAR,
    TOTAL,
    WOMAN,
)


@dataclass
class Mention:
    count: Count
    left: str
    right: list[Token]
    tail: list[Token] = field(default_factory=list)
    """Tokens after the count up to the next count, asides removed."""
    after: list[Token] = field(default_factory=list)
    """Tokens after the count up to the end of the sentence, asides removed."""
    measure: str | None = None
    subgroup: bool = False
    total: bool = False
    local: bool = False
    coded: bool = False
    head: str = ""
    via: str = ""
    """How the measure was found: left, right, coordination, implicit, pronoun."""
    before: str = ""
    """The sentence before the count, case-folded."""
    repeat: bool = False
    """The same figure said again in another clause (not added)."""
    nested: bool = False
    """A part of a part ("five of those killed ..., two of them ..."): never added."""


@dataclass
class SentenceFigures:
    """Casualty figures stated by one sentence (None: not stated)."""

    figures: dict[str, Figure] = field(default_factory=dict)
    rank: int = 0
    """Of the killed figure: 2 an explicit coding statement or the share stated for this
    place (a later one corrects an earlier one), 1 a stated total, 0 parts."""

    def __bool__(self) -> bool:
        return bool(self.figures)


def _verbish(word: str) -> bool:
    return (
        word.endswith(("ed", "ing")) and word not in ED_ADJECTIVES and not word.endswith("backed")
    )


def _group(tokens: list[Token], limit: int = 14) -> int:
    """How many leading tokens form a noun group (no verbs, auxiliaries or clause breaks)."""
    n = 0
    for k, tok in enumerate(tokens[:limit]):
        low = tok.low
        if tok.text == "IS":  # the Islamic State, not the verb
            n += 1
            continue
        nxt = tokens[k + 1].low if k + 1 < len(tokens) else ""
        if (
            low in PARTICIPLES
            and nxt in PERSON
            and nxt not in PARTICIPLES
            and nxt not in ("others", "other", "more")
        ):
            n += 1  # "a wounded man died": an adjective ("killed others" is not one)
            continue
        after = tokens[k + 2].low if k + 2 < len(tokens) else ""
        if low in ADVERBS and nxt in PARTICIPLES and after in PERSON and after not in PARTICIPLES:
            n += 1  # "hundreds of badly injured civilians"
            continue
        if (
            low in AUX
            or low in ADVERBS
            or low in GROUP_ENDS
            or KILL_WORDS.match(low)
            or INJURE_WORDS.match(low)
        ):
            break
        named = k > 0 and tokens[k - 1].low in NAME_NOUNS and tokens[k - 1].text[:1].isupper()
        if not (
            low[0].isalpha()
            or low in {"-", "'", '"', "(", ")", "&", ",", "/"}
            or low[-2:] in ("st", "nd", "rd", "th")
            or (named and ascii_digits(low))  # "two soldiers of Brigade 313 were killed"
        ):
            break
        n += 1
    return n


_ASIDE_CUES = frozenset(
    {"including", "among", "incl", "who", "which", "whose", "aged", "named", "mostly", "mainly"}
)


def _without_asides(tokens: list[Token]) -> list[Token]:
    """Tokens with parentheticals, dashed asides and comma asides ("..., among them three
    rescue workers, ...", "..., who was between 24 and 30 years of age, ...") removed."""
    kept: list[Token] = []
    i = 0
    while i < len(tokens):
        low = tokens[i].low
        if low == "(":
            close = next((k for k in range(i + 1, len(tokens)) if tokens[k].low == ")"), None)
            if close is not None:
                i = close + 1
                continue
        if low == "-" and i + 1 < len(tokens) and tokens[i + 1].start > tokens[i].end:
            close = next(
                (k for k in range(i + 2, min(len(tokens), i + 14)) if tokens[k].low == "-"), None
            )
            if close is not None and not any(
                KILL_WORDS.match(t.low) or INJURE_WORDS.match(t.low) for t in tokens[i:close]
            ):
                i = close + 1
                continue
        if low == "," and any(
            " ".join(t.low for t in tokens[i + n : i + n + 2]) in ("of whom", "of which", "of them")
            for n in (2, 3)
        ):
            close = next(
                (k for k in range(i + 2, min(len(tokens), i + 25)) if tokens[k].low == ","), None
            )
            if close is not None:  # "six officers, five of whom were officers of ..., were"
                i = close + 1
                continue
        if low == "," and _names_aside(tokens, i):
            close = next(k for k in range(i + 1, len(tokens)) if tokens[k].low == ",")
            i = close + 1
            continue
        if (
            low == ","
            and i + 1 < len(tokens)
            and (tokens[i + 1].low in _ASIDE_CUES or _participle_aside(tokens[i + 1].low))
        ):
            close = next(
                (k for k in range(i + 2, min(len(tokens), i + 25)) if tokens[k].low == ","), None
            )
            if close is None:
                break
            while tokens[i + 1].low == "including":  # a list of nouns: to its last comma
                later = next(
                    (
                        k
                        for k in range(close + 1, min(len(tokens), close + 8))
                        if tokens[k].low == ","
                    ),
                    None,
                )
                words = tokens[close + 1 : later] if later else []
                if later is None or not all(t.low[0].isalpha() and t.low not in AUX for t in words):
                    break
                if any(_casualty_word(t.low) for t in words):
                    break
                close = later
            i = close + 1
            continue
        kept.append(tokens[i])
        i += 1
    return kept


def _names_aside(tokens: list[Token], i: int) -> bool:
    """ ", Ali Hemad, Ridwan Tirki and Eymen Ahmad, were injured": a list of names."""
    close = next((k for k in range(i + 1, min(len(tokens), i + 30)) if tokens[k].low == ","), None)
    if close is None or close == i + 1:
        return False
    # the list may hold inner commas: take the last comma before a verb
    k = close
    while k + 1 < len(tokens) and tokens[k + 1].text[:1].isupper():
        nxt = next(
            (j for j in range(k + 1, min(len(tokens), k + 12)) if tokens[j].low == ","), None
        )
        if nxt is None:
            break
        k = nxt
    inner = tokens[i + 1 : k]
    return all(
        t.text[:1].isupper()
        or not t.text.isascii()
        or t.low in ("and", ",", "-", "'", "al", "el", "bin")
        or (n and inner[n - 1].end == t.start)  # "Tih" "ê" "m" "î": one name
        for n, t in enumerate(inner)
    ) and (k + 1 < len(tokens) and tokens[k + 1].low in AUX)


def _participle_aside(low: str) -> bool:
    """ ", credited by ..., ", ", born in ..., ": a reduced relative clause (not a casualty)."""
    return (
        _verbish(low)
        and low not in PARTICIPLES
        and not INJURE_WORDS.match(low)
        and (low not in KILL_VERBS | INJURE_VERBS)
    )


def _right_measure(right: list[Token], after: list[Token]) -> tuple[str | None, bool]:
    """Measure from the casualty word after the count's noun group (``right``: up to the next
    count; ``after``: to the end of the sentence, to see a verb's object)."""
    n = _group(right)
    if n == 14 and len(right) > 14:
        long = _group(right, 26)  # "A man from al Zer village which is part of ... was shot dead"
        if long < len(right) and right[long].low in AUX:
            n = long
    rest = right[n:]
    passive = bool(rest) and rest[0].low in AUX
    while rest and (
        rest[0].low in AUX
        or rest[0].low in SKIP
        or rest[0].low in ('"', "'")
        or (passive and rest[0].low in _REPORTED and len(rest) > 1 and rest[1].low == "to")
    ):
        rest = rest[1:]  # "were killed", "were said to be killed", "are believed to have died"
    rest = [t for t in rest[:4] if t.low not in ('"', "'")] + rest[4:]
    group = [t.low for t in right[:n]]
    if group[:1] in (["lives"], ["life"]):
        return KILLED, False  # "claiming two lives"
    if group[:1] in (["bodies"], ["corpses"], ["body"]):
        return KILLED, False  # "at least 100 bodies were recovered"
    while group[:1] and (group[0] in ADVERBS or group[0] == "of"):
        group = group[1:]
    adjective = len(group) > 1 and group[0] in PARTICIPLES and group[1] in PERSON
    if adjective and not (rest and _casualty_word(rest[0].low)):
        # "11 injured students", "five wounded civilians": the adjective is the measure
        return (INJURED if INJURE_WORDS.match(group[0]) else KILLED), False
    coordinated = "and" in group and (not rest or rest[0].low not in PARTICIPLES)
    if not passive and (
        "," in group
        or group[-1:] == ["and"]
        or coordinated
        or n > 10
        or any(_verbish(w) and w not in PARTICIPLES for w in group)
    ):
        # "one strike hit an area, killing ...", "3 vehicles and killed 10 ...": the casualty
        # verb belongs to another clause.
        return None, False
    if not rest:
        return None, False
    first = rest[0].low
    nxt = rest[1].low if len(rest) > 1 else ""
    if first in ("martyr", "martyrs") and (
        (rest[0].text[:1].isupper() and nxt[:1].isalpha() and rest[1].text[:1].isupper())
        or set(group) & PREPOSITIONS
    ):
        return None, False  # "fighters ... in the Martyr Dijwar cemetery": a name
    if first == "shot" and nxt == "dead":
        return KILLED, False
    if first in ("destroyed", "eliminated", "neutralized", "neutralised") and set(group) & PERSON:
        return KILLED, False  # "80 fighters were destroyed" (a ministry's word; not tanks)
    if first == "lost" and nxt in ("their", "his", "her"):
        # "lost their lives", not "lost his leg"
        life = len(rest) > 2 and rest[2].low in ("life", "lives")
        return (KILLED if life else None), False
    if first in ("sustained", "suffered", "received") and (
        nxt.startswith(("injur", "wound", "suffocat", "breathing"))
        or nxt in ("serious", "severe", "minor", "from", "various", "light", "moderate")
        or nxt in ("critical", "multiple", "several")
    ):
        return INJURED, False  # "sustained injuries", "suffered from suffocation"
    if nxt in ("or",) or (
        nxt == "and" and len(rest) > 2 and (_casualty_word(rest[2].low) or rest[2].low in _MIXED)
    ):
        return None, False  # "killed and wounded", "injured and missing": no split
    if (
        _casualty_word(first)
        and _casualty_word(nxt)
        and (bool(KILL_WORDS.match(first)) != bool(KILL_WORDS.match(nxt)))
    ):
        return None, False  # "Dozens Martyred Injured": no split
    if not passive and n > 0 and (first in KILL_VERBS or first in INJURE_VERBS):
        # "Three suicide bombers killed at least two people": the count is the agent (a
        # verb with an object; "28 militants dead a monitor said" has none).
        at = len(right) - len(rest) + 1
        obj = after[at] if at < len(after) else None
        then = after[at + 1].low if at + 1 < len(after) else ""
        if (
            then in PARTICIPLES
            and obj is not None
            and (ascii_digits(obj.low[:1]) or obj.low in ("others", "more"))
        ):
            obj = None  # "10 civilians killed 15 injured", "8 killed others injured"
        if obj is not None and ascii_digits(obj.low[:1]) and _other_measure_after(first, after, at):
            obj = None  # "One person killed 16 others injured": a headline's two figures
        if (
            obj is not None
            and obj.start - rest[0].end <= 1
            and (
                ascii_digits(obj.low[:1])
                or obj.low in ("at", "a", "an", "the", "his", "her", "their", "dozens", "several")
                or obj.low in PERSON
                # "A suicide bomber killed four people": a number word is the object too
                or obj.low in UNITS
                or obj.low in TENS
                or obj.low in VAGUE
                or obj.low in ("more", "over", "nearly", "about", "some", "around", "up")
            )
        ):
            return None, False
    if KILL_WORDS.match(first):
        return KILLED, first.startswith("fatalit")
    if INJURE_WORDS.match(first):
        return INJURED, False
    return None, False


# "38 people injured and missing": a count of two states at once, no split.
_MIXED = frozenset({"missing", "trapped", "detained", "arrested", "kidnapped", "abducted"})


def _mixed_after(tail: list[Token]) -> bool:
    """ "over 38 people injured and missing": the count's own participle names two states."""
    rest = [t.low for t in tail[_group(tail) :] if t.low not in AUX][:3]
    return (
        len(rest) == 3
        and _casualty_word(rest[0])
        and rest[1] in ("and", "or")
        and rest[2] in _MIXED
    )


def _other_measure_after(verb: str, after: list[Token], at: int) -> bool:
    """After the count at ``at`` and its short noun group ("16 others", "16 people") comes a
    participle of the other measure ("killed 16 others injured"): two figures, not a verb and
    its object."""
    n = _group(after[at + 1 :], 4)
    word = after[at + 1 + n].low if at + 1 + n < len(after) else ""
    if n > 3 or word not in PARTICIPLES or any(t.low in COORD for t in after[at + 1 : at + 1 + n]):
        return False  # "killed 20 people and injured 30": one verb's object, then another verb
    return bool(KILL_WORDS.match(verb)) != bool(KILL_WORDS.match(word))


def _casualty_word(low: str) -> bool:
    return bool(KILL_WORDS.match(low) or INJURE_WORDS.match(low)) or low in INJURE_VERBS


def _article_person(right: list[Token]) -> bool:
    """ "a child", "a QSD fighter", "an elderly woman"; not "a number of" / "an unknown",
    nor "An air raid killed five people" (the person must be in the article's own noun group,
    before its verb)."""
    stop = ("number", "unknown", "unspecified", "few", "couple", "lot", "total")
    for k, tok in enumerate(right):
        low = tok.low
        nxt = right[k + 1].low if k + 1 < len(right) else ""
        if ascii_digits(low[:1]) or low in _LEAVE_VERBS:
            return False  # "A counterattack left 28 militants dead": the person is counted
        if low in AUX or low in KILL_VERBS or low in INJURE_VERBS or _verbish(low):
            if nxt in PERSON and (low in PARTICIPLES | INJURE_VERBS or _verbish(low)):
                continue  # "a wounded man", "a renowned female commander"
            return False
        if low in PERSON:
            return True
        if (
            low in stop
            or low in PREPOSITIONS
            or not (low[0].isalpha() or ascii_digits(low) or low == "-")
        ):
            return False
    return False


_REPORTED = frozenset(
    {"said", "believed", "reported", "thought", "feared", "understood", "confirmed", "known"}
)
_LEAVE_VERBS = frozenset({"left", "leaves", "leave", "claimed", "claims", "caused", "causes"})


def _head(right: list[Token]) -> str:
    for tok in right[: max(_group(right, 6), 1)]:
        if tok.low in ("including", "among", "incl"):
            break  # "three including woman and a child": the woman is not the three's head
        if tok.low in PERSON:
            return tok.low
    return ""


def _is_thing(right: list[Token]) -> bool:
    """ "3 tanks", "fourteen missiles", "a number of rocket shells": a count of things."""
    for tok in right[:3]:
        if tok.low in PERSON or tok.low in PREPOSITIONS:
            return False
        if tok.low in THINGS:
            return True
        if not tok.low[0].isalpha():
            return False
    return False


def _implicit(tokens: list[Token], taken: set[int]) -> list[tuple[int, str | None]]:
    """(token index, measure) of singular persons counted without a number (measure None:
    a bare noun in a subgroup list, "three including woman and a child")."""
    found: list[tuple[int, str | None]] = []
    for k, tok in enumerate(tokens):
        if tok.low not in SINGULAR_PERSON or k in taken:
            continue
        nxt = tokens[k + 1].low if k + 1 < len(tokens) else ""
        if (nxt in PERSON and nxt not in PARTICIPLES) or (
            nxt == "'"
            or (nxt.endswith("s") and nxt not in AUX and nxt not in PARTICIPLES and nxt != "is")
        ):
            continue  # "civilian casualties", "child's", a compound noun
        # Walk left over modifiers to what governs the noun.
        j = k - 1
        while j >= 0 and k - j <= 4 and tokens[j].low[0].isalpha() and not _governs(tokens[j]):
            j -= 1
        before = tokens[j].low if j >= 0 else ""
        if j > 0 and tokens[j - 1].low in ("a", "an"):
            continue  # "a wounded man": an adjective, and the article counts him
        if before in KILL_VERBS | INJURE_VERBS or (
            before in DETERMINERS and _verb_before(tokens, j)
        ):
            found.append((k, _governing_measure(tokens, j)))
            continue
        if before in ("including", "incl") and j == k - 1:
            found.append((k, None))  # "three including woman and a child"
            continue
        bare_pair = before == "and" and j > 0 and tokens[j - 1].low in SINGULAR_PERSON
        if bare_pair and (j - 1, None) in found:
            found.append((k, None))  # "including woman and child"
            continue
        if j >= 0 and before not in DETERMINERS and tokens[j].low[0].isalpha() and not bare_pair:
            continue  # "a child" (counted by its article), "two children", "regime's soldier"
        measure = _participle_after(tokens, k + 1)
        if measure is not None and (
            before in DETERMINERS or tok.text[:1].isupper() or j < 0 or bare_pair
        ):
            found.append((k, measure))
    return found


def _governing_measure(tokens: list[Token], j: int) -> str:
    for k in range(j, max(-1, j - 10), -1):
        low = tokens[k].low
        if low in KILL_VERBS or low in ("loss", "death", "killing", "martyrdom"):
            return KILLED
        if low in INJURE_VERBS or low in ("injury", "wounding"):
            return INJURED
    return KILLED


def _governs(tok: Token) -> bool:
    low = tok.low
    return (
        low in DETERMINERS
        or low in KILL_VERBS
        or low in INJURE_VERBS
        or low in AUX
        or low in ("a", "an", "and", "of", "in", "on", "by", "one", "another", "every")
        or low in ("including", "incl")
    )


def _verb_before(tokens: list[Token], j: int) -> bool:
    """A casualty verb governs the determiner at ``j``: right before it, or before the
    coordinated list it closes ("killed two officials and their driver"), or a casualty
    noun with "of" ("the loss of the citizen", "the injury of the citizen")."""
    if j > 1 and tokens[j - 1].low == "of" and tokens[j - 2].low in _OF_NOUNS:
        return True
    if j > 0 and tokens[j - 1].low == "and":
        for k in range(j - 2, max(-1, j - 10), -1):
            if tokens[k].low in AUX or tokens[k].low in (".", ";"):
                return False
            if tokens[k].low in KILL_VERBS | INJURE_VERBS:
                return True
        return False
    return j > 0 and tokens[j - 1].low in KILL_VERBS | INJURE_VERBS


_OF_NOUNS = frozenset({"loss", "death", "killing", "martyrdom", "injury", "wounding"})


def _participle_after(tokens: list[Token], i: int) -> str | None:
    """Measure of "was killed" / "killed" / "and child killed" right after a noun."""
    window = _without_asides(tokens[i : i + 30])
    if window[:1] and window[0].low in ("named", "called"):
        window = window[1:]
        if window[:1] and window[0].low == "as":
            window = window[1:]
        while window and (window[0].text[:1].isupper() or window[0].low in ("al", "el", "-")):
            window = window[1:]
    rest = [t.low for t in window][:6]
    if rest[:1] == ["and"] and len(rest) > 1 and rest[1] in SINGULAR_PERSON:
        rest = rest[2:]
    while rest and rest[0] in AUX | {"reportedly", "also", "later"}:
        rest = rest[1:]
    if rest[:1] == ["lost"] and rest[2:3] in (["life"], ["lives"]):
        return KILLED  # "its fighter lost his life"
    if not rest or rest[0] not in PARTICIPLES:
        return None
    if len(rest) > 2 and rest[1] in ("and", "or") and _casualty_word(rest[2]):
        return None
    return INJURED if INJURE_WORDS.match(rest[0]) or rest[0] == "hurt" else KILLED


def _one_of_the_most(after: list[Token]) -> bool:
    """ "one of the highest daily tolls", "one of the deadliest days": a rank, not a count."""
    words = [t.low for t in after]
    return (
        words[:2] == ["of", "the"]
        and len(words) > 2
        and (words[2].endswith("est") or words[2] in ("most", "worst", "best"))
        and not set(words[3:]) & PERSON  # "one of the youngest victims" is a person
    )


def mentions(sentence: str) -> list[Mention]:
    tokens = tokenize(sentence)
    counts = [
        c
        for c in find_counts(tokens)
        if (not c.article or _article_person(tokens[c.last : c.last + 8]))
        and not (c.figure.pick("low") == 1 and _one_of_the_most(tokens[c.last : c.last + 6]))
    ]
    taken = {k for c in counts for k in range(c.first, c.last + 1)}
    implicit = dict(_implicit(tokens, taken))  # an implicit count spans no token: first == last
    counts += [Count(Figure.exact(1), k, k, article=True) for k in implicit]
    counts.sort(key=lambda c: c.first)
    ends = [c.last if c.last > c.first else c.first + 1 for c in counts]
    rights = [
        tokens[end : counts[k + 1].first if k + 1 < len(counts) else len(tokens)]
        for k, end in enumerate(ends)
    ]
    # A verb may lie past a count of things ("Three children from one family were injured").
    starts = {
        tokens[c.first].start
        for c, right in zip(counts, rights, strict=True)
        if c.first < len(tokens) and not _is_thing(right)
    }
    found: list[Mention] = []
    for k, c in enumerate(counts):
        start = counts[k - 1].last if k else 0
        left = " ".join(t.low for t in tokens[start : c.first])
        end, right = ends[k], rights[k]
        tail = _without_asides(tokens[end:])
        cut = next((n for n, t in enumerate(tail) if t.start in starts and t.start > 0), None)
        m = Mention(c, left, right, tail[:cut], tail, head=_head(right))
        m.before = sentence[: tokens[c.first].start].casefold().rstrip()
        if c.last == c.first and c.first in implicit:
            m.measure, m.via = implicit[c.first], "implicit"
            m.head = tokens[c.first].low
            if m.measure is None:
                m.via, m.subgroup = "", True
        found.append(m)
    for k, m in enumerate(found):
        if m.via:
            continue
        _measure(m, k, found)
    for k in range(1, len(found)):
        # "including a woman and 2 children": coordinated with a subgroup, so a subgroup.
        words = [w for w in found[k].left.split() if w not in DETERMINERS]
        if words[-2:] == [",", "and"] and found[k - 1].left.split()[-1:] == ["and"]:
            continue  # ", including a woman and a child, and eight soldiers": the aside ended
        if found[k - 1].subgroup and words and words[-1] in COORD and len(words) <= 4:
            found[k].subgroup = True
    _propagate(found)
    _remainders(found)
    _appositive_parts(found)
    _bodies(found)
    _pronouns(sentence, found)
    _repeats(found)
    for k, m in enumerate(found):
        if m.right and m.right[-1].low == "among":
            # "Nine Syrians including seven officers among 15 killed": all parts of the 15
            for earlier in found[:k]:
                if earlier.via in ("", "parent", "coordination") or earlier.subgroup:
                    earlier.subgroup = True
        if (
            k
            and m.subgroup
            and found[k - 1].subgroup
            and (
                R_SUBGROUP.match(" ".join(t.low for t in m.right[:2]))
                # "Fifteen of the dead, among them four children": a part of the part
                or (found[k - 1].via == "right" and bool(L_SUBGROUP.search(m.left[-30:])))
            )
        ):
            m.nested = True
    return [
        m
        for m in found
        if m.measure is not None or m.left.endswith("total of") or L_BOTH.search(m.left[-80:])
    ]


# ", likely to be an Islamist fighter": the same person described, not one more
_DESCRIBED = re.compile(
    r",\s*(?:likely|believed|possibly|probably|reportedly|thought|suspected|apparently)"
    r"(?:\s+to\s+(?:be|have\s+been))?$"
)


def _measure(m: Mention, k: int, found: list[Mention]) -> None:
    _read_measure(m, k, found)
    if k and m.count.article and _DESCRIBED.search(m.left):
        m.subgroup = m.nested = True


def _read_measure(m: Mention, k: int, found: list[Mention]) -> None:
    tail = m.left[-80:]
    m.subgroup = bool(L_SUBGROUP.search(tail)) or (
        k > 0 and bool(R_SUBGROUP.match(" ".join(t.low for t in m.right[:2])))
    )
    words = [t.low for t in m.right[:3]]
    if m.left.endswith("(") and (words[:2] == ["in", "total"] or words[:1] == ["total"]):
        m.subgroup, m.total = False, True  # "killed 2 more soldiers (5 in total)"
        if k and found[k - 1].measure:
            m.measure, m.via = found[k - 1].measure, "left"
            return
    if m.right and m.right[-1].low == "among" and k + 1 < len(found):
        m.subgroup = True  # "Nine Syrians among 15 killed": a part of the next count
    if _is_thing(m.right):
        return
    right_text = " ".join(t.low for t in m.right[:8])
    context = m.left if k and found[k - 1].measure else m.before
    include = L_INCLUDE.search(context[-100:])
    past_group = " ".join(t.low for t in m.tail[_group(m.tail) :][:6])
    part_of = R_PART_OF.match(right_text) or R_PART_OF.match(past_group)
    right_measure, right_total = _right_measure(m.tail, m.after)
    if LOCAL.match(right_text):
        m.measure, m.local = KILLED, True
    elif include and _BOTH_IN.search(include.group(0)):
        return  # "killed and wounded, including a commander": no split
    elif part_of or include:
        found_by = part_of or include
        assert found_by is not None
        word = found_by.group(1) or found_by.group(2)
        m.measure = INJURED if INJURE_WORDS.match(word) else KILLED
        m.subgroup, m.via = True, "right" if part_of else "left"
    elif L_BOTH.search(tail) or _mixed_after(m.tail):
        return
    elif right_measure is not None and _right_wins(m, right_measure):
        m.measure, m.total, m.via = right_measure, right_total, "right"
    elif L_KILL.search(_FAMILY.sub("", tail)):
        m.measure, m.total, m.via = KILLED, bool(TOTAL.search(tail[-40:])), "left"
    elif L_INJURE.search(tail):
        m.measure, m.via = INJURED, "left"
    elif TOLL_FAR.search(m.left[-200:]):
        m.measure, m.total, m.via = KILLED, True, "left"
    elif INJURED_FAR.search(m.left[-200:]):
        m.measure, m.via = INJURED, "left"
    else:
        m.measure, m.total = right_measure, right_total
        m.via = "right" if right_measure else ""
    if m.measure == KILLED and not m.count.vague:
        right = " ".join(t.low for t in m.right[:5])
        m.coded = bool(L_CODED.search(tail[-40:]) or R_CODED.match(right))
    group = [t.low for t in m.right[: _group(m.right) + 2]]
    if "total" in group or (m.measure is None and m.right[:1] and m.right[0].low == "in"):
        m.total = m.total or "total" in group


# "killed and wounded hundreds of civilians including dozens of children": no split, so the
# subgroup has none either.
_BOTH_IN = re.compile(r"\b(?:kill\w*|dead|deaths?)\s+(?:and|or)\s+(?:injur\w*|wound\w*)\b")
# "killing a family of five": the family's members are the count's noun group.
_FAMILY = re.compile(r"\s*\b(?:a|an|the|one)\s+(?:family|group)\s+of$")


def _right_wins(m: Mention, right_measure: str) -> bool:
    """A casualty word right after a short noun group beats the verb before the count:
    "killed 3 injured", "killed and another five injured"."""
    tail = m.left[-80:]
    left_measure = KILLED if L_KILL.search(tail) else INJURED if L_INJURE.search(tail) else None
    if left_measure is None:
        return False
    if left_measure == right_measure:
        return False
    n = _group(m.tail)
    group = {t.low for t in m.tail[:n]}
    then = m.after[n + 1].low if n + 1 < len(m.after) else ""
    return (
        n <= 3
        and not group & (COORD | DETERMINERS | PREPOSITIONS)
        and len(m.tail) > n
        and m.tail[n].low in PARTICIPLES
        # "killed two patients injured eight others": a verb with its object, a new clause
        and not (ascii_digits(then[:1]) or then in UNITS or then in ("dozens", "several"))
    )


def _remainders(found: list[Mention]) -> None:
    """ "killed four people, including two civilians ... the other two deaths": "the other /
    the remaining N" after a total of the same measure is the rest of that total, a part."""
    for k, m in enumerate(found):
        if m.left.split()[-2:] not in (["the", "other"], ["the", "remaining"]):
            continue
        if any(e.measure == m.measure and not e.subgroup for e in found[:k]):
            m.subgroup = m.nested = True


# Nouns that name people in general: a list right after them names their parts.
_GENERIC = frozenset(
    {"civilians", "people", "persons", "syrians", "citizens", "residents", "victims"}
    | {"members", "individuals", "others"}
)


def _appositive_parts(found: list[Mention]) -> None:
    """ "Three civilians two women and a man were killed", "15 Civilians 3 Children Killed":
    counts listed right after a general noun group, with no verb between, are its parts
    when they add up to it, or when they are children / women fewer than it."""
    for k, m in enumerate(found):
        value = m.count.figure.pick("low")
        if m.subgroup or m.head not in _GENERIC or k + 1 >= len(found):
            continue
        left = found[k + 1].left.split()
        if left[-1:] and left[-1] in _AND:
            continue  # "Three members and three fighters": a list, not parts
        comma = left[-1:] == [","]  # "2 regime members, a lieutenant and a captain, were"
        if not _bare_group(" ".join(left[:-1] if comma else left)):
            continue
        chain = [found[k + 1]]
        for later in found[k + 2 :]:
            words = [w for w in later.left.split() if w not in DETERMINERS]
            if not (words and words[-1] in COORD and _bare_group(" ".join(words[:-1]))):
                break
            chain.append(later)
        parts = sum(c.count.figure.pick("low") for c in chain)
        fewer_kin = all(c.head in CHILD | WOMAN for c in chain) and parts < value
        if parts == value or (fewer_kin and not comma):
            for c in chain:
                c.subgroup, c.nested = True, True
                c.measure = c.measure or m.measure


def _bare_group(left: str) -> bool:
    """The words between two counts are a short noun group ("civilians", "syrian civilians"):
    no verb, auxiliary, preposition or punctuation."""
    words = left.split()
    return 0 < len(words) <= 3 and all(
        w[0].isalpha() and w not in AUX and w not in PREPOSITIONS and not _verbish(w) for w in words
    )


_BODY = frozenset({"bodies", "body", "corpses", "corpse", "remains"})


def _bodies(found: list[Mention]) -> None:
    """ "at least 32 people were killed ..., with 18 bodies pulled from the rubble", "kill 30
    fighters and parade the corpses of dozens": bodies counted after a killed figure of the
    same sentence are those dead again, not more dead (unless "more", "other" ...)."""
    for k, m in enumerate(found):
        if m.measure != KILLED or m.subgroup or not _body_count(m) or _additive(m):
            continue
        if any(e.measure == KILLED and not e.subgroup and not _body_count(e) for e in found[:k]):
            m.subgroup = m.nested = True


def _body_count(m: Mention) -> bool:
    return any(t.low in _BODY for t in m.right[:3]) or m.left.split()[-2:-1] in (
        ["bodies"],
        ["corpses"],
    )


_PRONOUN = re.compile(
    r"\b(?:killing|killed|kill|executing|executed) (them|him|her|both|all of them)\b", re.I
)


def _pronouns(sentence: str, found: list[Mention]) -> None:
    """ "opened fire on two members, killing them", "detained a woman ... and executed her":
    the pronoun's antecedent (the nearest uncounted person before it) was killed."""
    for p in list(_PRONOUN.finditer(sentence))[:3]:
        before = [m for m in found if m.head and m.right and m.right[0].start < p.start()]
        if before and before[-1].measure is None:
            before[-1].measure, before[-1].via = KILLED, "pronoun"


def _coordinated_left(m: Mention) -> bool:
    left_words = m.left.split()
    if COORD_PHRASE.search(m.left):
        return True
    if left_words[-1:] == ["and"] and m.right[:1] and m.right[0].low in ("others", "more"):
        # "killed seven suspected militants on Sunday and five others on Monday"; not "and
        # eight others experienced breathing difficulties" (a predicate of their own)
        after = m.right[1].low if len(m.right) > 1 else "."
        return after in PREPOSITIONS or not after[0].isalnum()
    return (
        bool(left_words)
        and left_words[-1] in COORD
        and len(left_words) <= 8
        and not any(w in AUX or _verbish(w) for w in left_words)
    )


def _propagate(found: list[Mention]) -> None:
    """Coordinated counts and parents of a subgroup share the measure of their neighbour."""
    for _ in range(min(len(found), 6)):  # coordination chains are short; bound the work
        changed = False
        for k, m in enumerate(found):
            if m.measure is not None or _is_thing(m.right) or L_BOTH.search(m.left[-80:]):
                continue  # "killed and wounded hundreds, including dozens of children": none
            n = _group(m.right, 8)
            plain = [t for t in m.right if t.low not in ADVERBS]
            nxt = found[k + 1] if k + 1 < len(found) else None
            prv = found[k - 1] if k else None
            # "6 soldiers and 4 militiamen", "15 YPG 39 IS fatalities": a short noun group.
            words = [t.low for t in m.right]
            while words and words[-1] in DETERMINERS:
                words.pop()  # "a man and his wife were executed"
            phrase = bool(COORD_PHRASE.search(" ".join(words))) and len(words) <= 8
            listed = bool(words) and words[-1] in _AND  # "A and B": neither is the other's parent
            coord_right = phrase or (
                n > 0 and len(words) <= 5 and (len(words) <= 2 or words[-1] in COORD)
            )
            if m.subgroup and m.right and m.right[-1].low == "among" and nxt and nxt.measure:
                m.measure, m.via, changed = nxt.measure, "coordination", True
            elif m.subgroup and prv and prv.measure:
                m.measure, m.via, changed = prv.measure, "coordination", True
            elif (
                nxt
                and nxt.measure
                and nxt.subgroup
                # "the 18 militants reportedly including one ...": an adverb may stand between
                and _group(plain, 8) == len(plain)
                and not listed
            ):
                m.measure, m.via, changed = nxt.measure, "parent", True
            elif nxt and nxt.measure and coord_right and (phrase or n >= len(words)):
                m.measure, m.via, changed = nxt.measure, "coordination", True
                if listed and nxt.subgroup and nxt.via == "right":
                    m.subgroup = True  # "Five women and 13 rebels were among the dead"
            elif prv and prv.measure and (_coordinated_left(m) or m.subgroup):
                m.measure, m.via, changed = prv.measure, "coordination", True
        if not changed:
            break


def _compatible(a: Figure, b: Figure) -> bool:
    """The same toll said twice: equal, or a vague one ("almost a dozen") within a fifth."""
    x, y = a.pick("low"), b.pick("low")
    if x == y:
        return True
    vague = Qualifier.ABOUT in (a.qualifier, b.qualifier)
    return vague and abs(x - y) <= max(1, max(x, y) // 5)


def _additive(m: Mention) -> bool:
    words = m.left.split()[-3:] + [t.low for t in m.right[:2]]
    return any(w in ADDITIVE for w in words)


def _repeats(found: list[Mention]) -> None:
    """A figure said again in another clause of the sentence (a headline run into its body,
    a paragraph the scraper doubled) is marked ``repeat`` and not added; when the first one
    was vague ("almost a dozen") the precise one is kept instead."""
    for k, m in enumerate(found):
        if m.measure is None or m.via == "coordination" or _additive(m):
            continue
        for earlier in found[:k]:
            if (
                earlier.repeat
                or _listed_with(earlier, found, m)
                or earlier.measure != m.measure
                or earlier.subgroup != m.subgroup
                or (m.head in CHILD) != (earlier.head in CHILD)
                or (m.head in WOMAN) != (earlier.head in WOMAN)
                or not _compatible(earlier.count.figure, m.count.figure)
            ):
                continue
            if earlier.count.figure.qualifier is Qualifier.ABOUT and (
                m.count.figure.qualifier is not Qualifier.ABOUT
            ):
                earlier.repeat = True
            else:
                m.repeat = True
            break


def _listed_with(earlier: Mention, found: list[Mention], m: Mention) -> bool:
    """ "Three members and three fighters were killed": the two are one list (joined by a
    coordinator inside one short noun group), so equal figures are two groups, not one toll
    said twice."""
    k = found.index(m)
    if found[k - 1] is not earlier or earlier.via != "coordination":
        return False
    words = [w for w in m.left.split() if w not in DETERMINERS]
    return bool(words) and words[-1] in _AND and _bare_group(" ".join(words[:-1]))


_AND = frozenset({"and", "&", "plus"})


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


# "updating a previous toll of 112", "an earlier toll on Sunday evening of 15": a toll
# the sentence replaces.
_EARLIER_TOLL = re.compile(
    r"\b(?:previous|earlier|initial|preliminary|first|old)\s+(?:death\s+)?tolls?\b[^.;]{0,40}$"
)


def _superseded(found: list[Mention]) -> None:
    """An earlier toll the sentence updates is not added when it states another figure of
    that measure ("killed 32 ..., updating an earlier toll of 15"); alone it stands."""
    for m in found:
        if m.measure is None or not _EARLIER_TOLL.search(m.left[-80:]):
            continue
        if any(
            o is not m and o.measure == m.measure and not o.subgroup and not _additive(o)
            for o in found
        ):  # "... of 15 were killed but three more died": the three add to it
            m.subgroup = m.nested = True
            m.total = False


def sentence_figures(sentence: str) -> SentenceFigures:
    result = SentenceFigures()
    everything = mentions(sentence)  # with the counts of "killed and wounded" (no figure)
    _superseded(everything)
    found = [
        m
        for m in everything
        if not m.repeat and (m.measure is not None or m.left.endswith("total of"))
    ]
    stated: set[str] = set()
    for measure in (KILLED, INJURED):
        own = [m for m in found if m.measure == measure]
        local = [m.count.figure for m in own if m.local]
        totals = [m.count.figure for m in own if m.total and not m.subgroup]
        parts = [m.count.figure for m in own if not m.subgroup] or [
            m.count.figure for m in own if not m.nested
        ]
        coded = _coded(found) if measure == KILLED else []
        if local or coded:
            result.figures[measure] = max(local or coded, key=lambda f: f.pick("low"))
            result.rank = 2
            stated.add(measure)
        elif totals:
            result.figures[measure] = max(totals, key=lambda f: f.pick("low"))
            stated.add(measure)
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
        civilians = [_under(parent, m) for m in own if m.head in CIVILIAN]
        if civilians:  # the text says civilians: also the like-for-like civilian measure
            result.figures[f"civilians_{measure}"] = add(civilians)
    _add_uncounted(sentence, everything, result, stated)
    if KILLED not in result.figures:
        lost = _LIFE_LOST.search(sentence)
        if lost and lost.group(1).casefold() in SINGULAR_PERSON:
            result.figures[KILLED] = Figure.exact(1)  # "the loss of a soldier's life"
    return result


# "resulting in the loss of a Russian soldier's life": one person's death, no number.
_LIFE_LOST = re.compile(
    r"\bloss of (?:the )?(?:a|an|one|the)\s+(?:[\w-]+\s+){0,2}?(\w+)['’]s?\s+life\b", re.I
)


def _add_uncounted(
    sentence: str, found: list[Mention], result: SentenceFigures, stated: set[str]
) -> None:
    """Victims named without a number ("X was killed", "killing his brother and a cousin")
    are added to the counted ones of their measure, never to a stated total."""
    covered = {k for m in found for k in range(m.count.first, m.count.last + 1)}
    for v in uncounted_victims(sentence, covered):
        if v.measure in stated:
            continue
        for key, extra in (
            (v.measure, v.people),
            (f"children_{v.measure}", v.children),
            ("women_killed" if v.measure == KILLED else "", v.women),
        ):
            if key and extra:
                current = result.figures.get(key)
                plus = Figure.exact(extra)
                result.figures[key] = add([current, plus]) if current else plus


CIVILIAN = frozenset({"civilian", "civilians"})
