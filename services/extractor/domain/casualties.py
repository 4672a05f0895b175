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
from .text import words

KILLED, INJURED = "killed", "injured"
_CHILD = words(
    "child children kid kids minor minors boy boys girl girls infant infants baby babies toddler "
    "toddlers newborn newborns schoolchildren schoolboy schoolgirl"
)
_WOMAN = words("woman women mother mothers female females")
_PERSON = (
    _CHILD
    | _WOMAN
    | words(
        "people person persons civilian civilians individual individuals man men fighter fighters "
        "soldier soldiers member members militant militants militiaman militiamen rebel rebels "
        "troop troops officer officers commander commanders resident residents worker workers "
        "farmer farmers shepherd shepherds policeman policemen guard guards personnel recruit "
        "recruits gunman gunmen insurgent insurgents jihadist jihadists combatant combatants "
        "victim victims protester protesters demonstrator demonstrators student students teacher "
        "teachers doctor doctors journalist journalists volunteer volunteers refugee refugees "
        "leader leaders operative operatives others other elements element spy informant dead "
        "fatality fatalities casualty casualties wounded injured relative relatives son sons "
        "daughter daughters brother brothers father husband wife family driver drivers nurse "
        "paramedic paramedics militia cadre cadres conscript conscripts defector agent agents "
        "national nationals citizen citizens villager villagers smuggler smugglers trader "
        "official officials employee employees prisoner prisoners detainee detainees suspect "
        "suspects assailant assailants attacker attackers bomber bombers pilot pilots sniper "
        "snipers colonel general sergeant captain lieutenant brigadier mayor imam sheikh activist "
        "activists medic medics deputy chief"
    )
)
_AUX = words("were was are is have has had been be being got")
# Words between a noun group and its casualty verb ("were all later reported killed").
_ADVERBS = words("reportedly allegedly also later reported confirmed found subsequently")
_SKIP = _ADVERBS | words("all both left shot and to have")
_THINGS = words(
    "vehicle vehicles tank tanks village villages town towns position positions house houses "
    "building buildings strike strikes airstrikes raids rockets missiles shells mortars car cars "
    "truck trucks points checkpoints areas locations events sites homes bombs barrels drones "
    "sorties attacks incidents explosions mines fronts axes neighbourhoods neighborhoods shops "
    "schools hospitals weapons guns km"
)
# Adjectives ending like verbs that may sit in a noun group ("unidentified gunmen").
_ED_ADJECTIVES = words("armed unidentified displaced allied affiliated detained unarmed")
_KILL_WORDS = re.compile(
    r"^(killed|dead|died|die|slain|executed|massacred|perished|martyred|succumbed|"
    r"fatalities|fatality|deaths|death)$"
)
_INJURE_WORDS = re.compile(r"^(injured|wounded|hurt|injuries|injury|wounds|injuring|wounding)$")
_L_KILL = re.compile(
    r"(\b(killed|killing|kill|kills|executed|executing|massacred|slaughtered|beheaded|"
    r"shot dead|lives of|death of|deaths of|killing of|bodies of|martyrdom of|dead bodies of|"
    r"(?:killed|killing) and (?!injur|wound)\w+)|"
    r"\b(death ?toll|toll)\b.{0,30}\b(of|to|at|reached|hit|be|is|was)|"
    r"\b(fatalit\w*|casualt\w*|deaths)\b.{0,80}\b(as|to|at|be|is|are|was|were|coded|of|assumed|"
    r"estimated|put|numbered|reached|totall?ed|totall?ing)|\b(fatalit\w*|deaths)|"
    r"\bcoded(?: as| to| at)?)"
    r"( a total of| another| a further| an additional| also| all| both| the)?$"
)
_L_INJURE = re.compile(
    r"\b(injuring|injured|injure|injures|wounding|wounded|wound|wounds|injuries to|injury of|"
    r"injury to)( another| a further| an additional| also)?$"
)
_L_SUBGROUP = re.compile(
    r"(\bincluding|\bamong them|\bamong whom|\bamong those|\bincl|\(|\bof whom|\bof which)$"
)
_R_SUBGROUP = re.compile(r"^(of whom|of them|of which)\b")
_TOTAL = re.compile(r"\b(total|toll|deathtoll|coded|overall|in all|altogether)\b")
# "3 were noted in this location", "with 3 fatalities allocated to this event": the share
# of a multi-place figure that belongs to the place the text is about.
_LOCAL = re.compile(
    r"^(?:fatalit\w+ )?(?:are |were |is |was )?"
    r"(?:noted|documented|allocated|coded|recorded|reported) "
    r"(?:in|to|at|for) this (?:location|event|area|place)"
)
_COORD = frozenset({"and", ",", "&", "plus"})


@dataclass
class Mention:
    count: Count
    left: str
    right: list[Token]
    measure: str | None = None
    subgroup: bool = False
    total: bool = False
    local: bool = False
    head: str = ""


@dataclass
class SentenceFigures:
    """Casualty figures stated by one sentence (None: not stated)."""

    figures: dict[str, Figure] = field(default_factory=dict)
    rank: int = 0
    """Of the killed figure: 2 the share stated for this place, 1 a stated total, 0 parts."""

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
        if low in _AUX or low in _ADVERBS or _KILL_WORDS.match(low) or _INJURE_WORDS.match(low):
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
    passive = bool(rest) and rest[0].low in _AUX
    while rest and (rest[0].low in _AUX or rest[0].low in _SKIP):
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
    if _KILL_WORDS.match(rest[0].low):
        return KILLED, rest[0].low.startswith("fatalit")
    if _INJURE_WORDS.match(rest[0].low):
        return INJURED, False
    return None, False


def _verbish(word: str) -> bool:
    return (
        word.endswith(("ed", "ing")) and word not in _ED_ADJECTIVES and not word.endswith("backed")
    )


def _article_person(right: list[Token]) -> bool:
    """ "a child", "a QSD fighter", "an elderly woman"; not "a number of" / "an unknown"."""
    stop = ("number", "unknown", "unspecified", "few", "couple", "lot", "total")
    for tok in right:
        if tok.low in _PERSON:
            return True
        if tok.low in stop or not (tok.low[0].isalpha() or ascii_digits(tok.low) or tok.low == "-"):
            return False
    return False


def _head(right: list[Token]) -> str:
    for tok in right[: max(_group(right, 6), 1)]:
        if tok.low in _PERSON:
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
        m.subgroup = bool(_L_SUBGROUP.search(tail)) or (
            k > 0 and bool(_R_SUBGROUP.match(" ".join(t.low for t in m.right[:2])))
        )
        if m.right and m.right[0].low in _THINGS:
            continue
        if _LOCAL.match(" ".join(t.low for t in m.right[:8])):
            m.measure, m.local = KILLED, True
        elif _L_KILL.search(tail):
            m.measure, m.total = KILLED, bool(_TOTAL.search(tail[-40:]))
        elif _L_INJURE.search(tail):
            m.measure = INJURED
        else:
            m.measure, m.total = _right_measure(m.right)
        if m.measure is None and m.right[:1] and m.right[0].low in ("in", "total"):
            m.total = " ".join(t.low for t in m.right[:2]) in ("in total", "total")
    for k in range(1, len(found)):
        # "including a woman and 2 children": coordinated with a subgroup, so a subgroup.
        words = found[k].left.split()
        if found[k - 1].subgroup and words and words[-1] in _COORD and len(words) <= 4:
            found[k].subgroup = True
    _propagate(found)
    _pronouns(sentence, found)
    return [m for m in found if m.measure is not None]


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
            coord_right = n == len(m.right) <= 5 and (n <= 2 or m.right[-1].low in _COORD)
            left_words = m.left.split()
            coord_left = (
                bool(left_words)
                and left_words[-1] in _COORD
                and len(left_words) <= 8
                and not any(w in _AUX or _verbish(w) for w in left_words)
            )
            if m.right and m.right[0].low in _THINGS:
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


def sentence_figures(sentence: str) -> SentenceFigures:
    result = SentenceFigures()
    found = mentions(sentence)
    for measure in (KILLED, INJURED):
        own = [m for m in found if m.measure == measure]
        local = [m.count.figure for m in own if m.local]
        totals = [m.count.figure for m in own if m.total and not m.subgroup]
        parts = [m.count.figure for m in own if not m.subgroup] or [m.count.figure for m in own]
        if local or totals:
            result.figures[measure] = max(local or totals, key=lambda f: f.pick("low"))
            if measure == KILLED:
                result.rank = 2 if local else 1
        elif parts:
            result.figures[measure] = add(parts)
        parent = next((m.count.figure for m in own if not m.subgroup), None)
        children = [_under(parent, m) for m in own if m.head in _CHILD]
        if children:
            result.figures[f"children_{measure}"] = add(children)
        women = [_under(parent, m) for m in own if m.head in _WOMAN]
        if women and measure == KILLED:
            result.figures["women_killed"] = add(women)
    return result
