"""Victims counted without a number: the arguments of a casualty predicate.

``casualties.py`` reads counts ("five people", "a child") and gives each the measure of the
casualty word near it. Wire copy also names victims without any count: "Abdul Hamid
al-Matar was killed", "the drone killed his grandfather, his brother and one of his
relatives", "Ranya Eta, Dilan Ezedin, Zozan Zedan and Diyana Elo died", "Girl named Layla
al-Masri killed in ...", "led to the injury of Masoud Abu Ayoub, 53, from Qaramogh, Mustafa
Hero, 25, ...". This module finds each casualty *predicate* (a passive or intransitive verb,
an active verb with its object, a casualty noun with "of" / "to") and reads its argument as
a list of conjuncts (split at commas and "and"):

- a conjunct holding a count already read by ``casualties.py`` is left to it;
- a proper name, a singular person noun ("soldier", "the commander") or a kin noun after a
  possessive ("his brother") is one person; "N-year-old" makes a child when N < 18;
- an appositive ("X, a poultry farm worker from ...", "X, 45,") is the same person; names
  listing the members of a counted group ("his two sons, A and B") are not new persons;
- a plural noun with no number ("civilians", "others") is no figure (convention 2);
- the argument ends at a clause break: a preposition that starts an adjunct ("in", "by",
  "on" ...), "including" / "among" (subgroups of a total), a relative pronoun, a
  semicolon, a colon, a dash, "while".
A singular auxiliary ("was killed", "has died") caps the subject at one person. Negated
subjects ("no one was hurt") count nothing. The figures found here are added to the counted
ones of the same measure (they are different people), never to a stated total.
"""

from __future__ import annotations

from dataclasses import dataclass

from .numbers import Token, find_counts, tokenize
from .text import words
from .vocabulary import (
    ADVERBS,
    AUX,
    CHILD,
    INJURED,
    KILLED,
    PERSON,
    SINGULAR_PERSON,
    THINGS,
    WOMAN,
)

_KIN = words(
    "grandfather grandmother father mother brother sister son daughter husband wife uncle "
    "aunt cousin nephew niece relative comrade associate companion colleague bodyguard "
    "friend fiance fiancee neighbour neighbor"
)
_FEMALE = words("mother sister wife aunt niece grandmother fiancee") | WOMAN
_PASSIVE_KILL = words("killed martyred executed slain assassinated")
_PASSIVE_INJURE = words("injured wounded hurt")
_INTRANSITIVE_KILL = words("died perished")
_ACTIVE_KILL = words("kill kills killed killing execute executes executed executing")
_ACTIVE_INJURE = words("injure injures injured injuring wound wounds wounded wounding")
_NOUN_KILL = words("death deaths killing martyrdom life lives assassination")
_NOUN_INJURE = words("injury injuries wounding")
_SINGULAR_AUX = words("was has")
_HAVE = words("has have had")
_ARTICLES = words("a an the his her their its this that these those")
_NAMING = words("named identified known described")
# "X, believed to be a member of HTS,", "X, aged 40,": an appositive, the same person.
_APPOSITIVE = words(
    "believed named identified aged known said reportedly described thought dubbed "
    "nicknamed aka unknown from born originally"
)
# "over the death of X" (a protest), "after the killing of X": an earlier death, a reason.
_REASON = words("over after following since for against about avenge protest mourning")
_STOP = words(
    "in on at by near during after before while when as from with without due for into "
    "inside outside under over since until within through because including among amid "
    "following who whom which that whose where whereas but"
) | {";", ":", "|", "(", ")", ".", "?", "!", '"'}
_SUBJECT_STOP = words(
    "while whereas when after as because that which who whom where but although"
) | {";", ":", "|", "(", ")", ".", "?", "!", '"'}
_NEGATION = words("no nobody none noone")
_NAME_PARTICLES = words("al el bin ibn abu abd abdul umm bint de la aka")
_NOT_NAMES = (
    words(
        "the a an his her their its this that these those syrian syria turkish russian "
        "israeli regime government forces army sources source observatory sohr snhr sana "
        "reuters afp monday tuesday wednesday thursday friday saturday sunday january "
        "february march april may june july august september october november december "
        "according local"
    )
    | _STOP
)
_NUMBER_WORDS = words(
    "one two three four five six seven eight nine ten eleven twelve dozens scores "
    "hundreds several many some"
)


@dataclass(frozen=True)
class Victims:
    measure: str
    people: int
    children: int
    women: int


def _is_passive(tokens: list[Token], i: int) -> tuple[bool, bool]:
    """(a form of "be" precedes the participle at ``i``, it is singular). "has killed" is an
    active perfect, "has been killed" a passive."""
    k = i - 1
    while k >= 0 and tokens[k].low in ADVERBS:
        k -= 1
    been = k >= 0 and tokens[k].low == "been"
    if been:
        k -= 1
    if k >= 0 and tokens[k].low in AUX and (been or tokens[k].low not in _HAVE):
        return True, tokens[k].low in _SINGULAR_AUX
    return False, False


def _object_follows(tokens: list[Token], i: int, covered: set[int]) -> bool:
    """An object noun group starts right after the verb at ``i``."""
    if i + 1 >= len(tokens):
        return False
    nxt = tokens[i + 1].low
    if i + 1 in covered or (nxt == "at" and i + 2 < len(tokens) and tokens[i + 2].low == "least"):
        return True
    return nxt not in _STOP and nxt not in AUX and nxt not in (",", "and", "or", "-")


_PREDICATES = _PASSIVE_KILL | _PASSIVE_INJURE | _INTRANSITIVE_KILL | _ACTIVE_KILL | _ACTIVE_INJURE


def _subject_start(tokens: list[Token], end: int) -> int:
    k = end - 1
    while k >= 0 and (tokens[k].low not in _PREDICATES or _adjectival(tokens, k)):
        low = tokens[k].low
        if low == ")":  # "Rami Omar (34 years) was killed": an aside inside the subject
            opening = next(
                (j for j in range(k - 1, max(-1, k - 8), -1) if tokens[j].low == "("), -1
            )
            inside = {t.low for t in tokens[opening + 1 : k]}
            if opening > 0 and not inside & (_PREDICATES | _NOUN_KILL | _NOUN_INJURE):
                k = opening - 1
                continue
        if low in _SUBJECT_STOP and not (low == "as" and k and tokens[k - 1].low in _NAMING):
            break
        if tokens[k].low in ("-",) and k > 0 and tokens[k - 1].end < tokens[k].start:
            break  # " - " is a break; "al-Bab" is one token anyway
        k -= 1
    return k + 1


def _adjectival(tokens: list[Token], k: int) -> bool:
    """ "a wounded man", "11 injured students": a participle used as an adjective."""
    prev = tokens[k - 1].low if k else ""
    nxt = tokens[k + 1].low if k + 1 < len(tokens) else ""
    return (prev in _ARTICLES or prev.isdigit()) and nxt in PERSON


def _aux_start(tokens: list[Token], i: int) -> int:
    k = i - 1
    while k >= 0 and (tokens[k].low in ADVERBS or tokens[k].low in AUX):
        k -= 1
    return k + 1


def _object_end(tokens: list[Token], start: int) -> int:
    k = start
    while k < len(tokens) and tokens[k].low not in _STOP:
        if tokens[k].low in _ACTIVE_INJURE | _ACTIVE_KILL and k > start:
            break  # "killing X and injuring Y": the next predicate
        k += 1
    return k


def _conjuncts(tokens: list[Token], a: int, b: int) -> list[tuple[int, int]]:
    parts: list[tuple[int, int]] = []
    start = a
    for k in range(a, b):
        if tokens[k].low in (",", "and", "&"):
            if k > start:
                parts.append((start, k))
            start = k + 1
    if b > start:
        parts.append((start, b))
    return parts


def _verb(part: list[Token]) -> bool:
    """The conjunct opens with a verb ("abducted ...", "leaving ..."): the list has ended."""
    first = part[0]
    return (
        first.text[:1].islower()
        and first.low.endswith(("ed", "ing"))
        and first.low not in _STOP
        and not (len(part) > 1 and part[1].low in PERSON)
    )


def _name_word(t: Token) -> bool:
    """ "Hamid", "al-Matar", "Sha'ban", a word in another script."""
    if t.text[:1].isupper() or not t.text.isascii():
        return True
    head, _, rest = t.text.partition("-")
    return head.casefold() in _NAME_PARTICLES and rest[:1].isupper()


def _is_name(part: list[Token]) -> bool:
    words = [t for t in part if t.low not in ("-", "'", ".")]
    if not words or words[0].low in _NOT_NAMES or words[0].low in _NUMBER_WORDS:
        return False
    if len(words) == 1 and len(words[0].text) <= 2:
        return False  # "U.S.", initials
    return all(_name_word(t) or t.low in _NAME_PARTICLES for t in words) and any(
        t.text[:1].isupper() and t.low not in _NAME_PARTICLES for t in words
    )


# Capitalised words that end the name of a body, not of a person.
_BODIES = words(
    "council forces force army brigade brigades division front party committee observatory "
    "ministry command units unit group groups battalion corps militia movement network "
    "agency office authority authorities government administration company state"
)


def _titled_name(part: list[Token]) -> bool:
    """ "Syrian businessman Bara Katerji", "Lieutenant Colonel Hassan Suleiman": a title or a
    description before a name of two words or more."""
    words = [t for t in part if t.low not in ("-", "'", ".")]
    run = 0
    for t in reversed(words):
        if not (_name_word(t) or t.low in _NAME_PARTICLES) or t.low in _NOT_NAMES:
            break
        run += 1
    if run < 2 or run >= len(words) or {t.low for t in words[-run:]} & _BODIES:
        return False
    before = [t.low for t in words[:-run]]
    noun = before[-1]  # "businessman": a noun, not "the", "from", "likely", "captured"
    return (
        noun.isalpha()
        and noun not in _STOP | AUX | _ARTICLES | ADVERBS
        and not noun.endswith(("ed", "ing", "ly"))
        and not any(w.endswith("ed") or w.isdigit() for w in before)
    )


def _age(part: list[Token]) -> int | None:
    """ "the 15-year old Badran" -> 15; None without an age."""
    for k, t in enumerate(part[:-1]):
        nxt = part[k + 1].low
        if t.low.isdigit() and (nxt.startswith("year") or (nxt == "-" and k + 2 < len(part))):
            return int(t.low)
    return None


def _person(part: list[Token]) -> tuple[bool, bool, bool] | None:
    """(a person, a child, a woman) for one conjunct; None when it is not one person."""
    lows = [t.low for t in part]
    if not lows or lows[0] in _NEGATION or "no" in lows[:2]:
        return None
    head = next((w for w in lows if w in SINGULAR_PERSON or w in _KIN), None)
    plural = next((w for w in lows if w in PERSON and w not in SINGULAR_PERSON), None)
    age = _age(part)
    if head is None and plural is not None:
        return None
    if (
        head is not None
        or _is_name(part)
        or (age is not None and any(t.text[:1].isupper() for t in part))
        or (plural is None and _titled_name(part))
    ):
        child = (head in CHILD) or (age is not None and age < 18)
        woman = head in _FEMALE and not child
        return True, child, woman
    return None


def _subject_run(tokens: list[Token], a: int, b: int, covered: set[int]) -> int:
    """Start of the run of conjuncts that ends at the predicate and names persons (their
    appositives and ages included): "Yesterday, a drone hit a car, leaving X wounded" keeps
    only what is next to "wounded"."""
    parts = _conjuncts(tokens, a, b)
    start = b
    for x, y in reversed(parts):
        part = tokens[x:y]
        lows = [t.low for t in part]
        appositive = lows[0] in ("a", "an", "the") or lows[0] in _APPOSITIVE
        if _person(part) is None and not all(w.isdigit() for w in lows) and not appositive:
            break
        if _verb(part) and lows[0] not in _APPOSITIVE:
            break
        start = x
    return start


def _count(
    tokens: list[Token], a: int, b: int, covered: set[int], singular: bool
) -> tuple[int, int, int] | None:
    """(people, children, women) named in tokens[a:b]; None when nothing countable."""
    people = children = women = 0
    after_group = False  # names after a counted group list its members
    previous_name = False
    previous_noun = False  # the last person counted was a noun ("the commander")
    many = False  # the last counted group held more than one person
    for x, y in _conjuncts(tokens, a, b):
        part = tokens[x:y]
        if any(k in covered for k in range(x, y)):
            after_group = True
            previous_name = False
            group = find_counts(part)
            # "4 people, one of them a teacher, and his two sons": members of the four
            many = many or (bool(group) and group[0].figure.pick("low") > 1)
            continue
        lows = [t.low for t in part]
        if _verb(part):
            break  # "killed a policeman and abducted ...": the list ended, a verb follows
        if all(t.low.isdigit() for t in part):
            continue  # "Sabri Sido, 20,": an age
        numbered = any(t.low.isdigit() or t.low in _NUMBER_WORDS for t in part)
        counts = find_counts(part) if numbered and _age(part) is None else []
        if counts:
            # a number casualties.py did not take: a count of persons ("eight more
            # militants") when the conjunct opens with it and names persons ("the father of
            # three" has no count: his children are not victims)
            head = lows[counts[0].last : counts[0].last + 3]
            noun = next((w for w in head if w in PERSON or w in THINGS or _kin(w)), "")
            person = noun in PERSON or _kin(noun)
            opens = all(w in _ARTICLES for w in lows[: counts[0].first])  # "his two sons"
            if opens and person and not (after_group and many):
                people += counts[0].figure.pick("low")
                after_group, previous_name = True, False
            continue
        if (
            (previous_name or after_group)
            and tokens[x - 1].low == ","
            and (lows[0] in ("a", "an", "the") or lows[0] in _APPOSITIVE)
        ):
            continue  # "X, a poultry farm worker from ...": the same person
        if lows[0] in _APPOSITIVE:
            continue
        found = _person(part)
        if found is None:
            if any(w in PERSON for w in lows):
                return None  # "and other civilians": a plural without a number
            previous_name = False
            continue
        name = _is_name(part)
        if after_group and name:
            continue
        if name and previous_noun and tokens[x - 1].low == "," and _closes_aside(tokens, y, b):
            previous_noun = False
            continue  # "the senior leader, Abu X, and his two sons": the leader named
        after_group = False
        previous_name = name or previous_name
        previous_noun = not name
        people += 1
        children += found[1]
        women += found[2]
    if people == 0:
        return None
    if singular:
        return 1, min(children, 1), min(women, 1)
    return people, children, women


def _kin(word: str) -> bool:
    """ "sons", "brothers", "cousins": kin nouns in the plural."""
    return word.endswith("s") and word[:-1] in _KIN


def _closes_aside(tokens: list[Token], y: int, b: int) -> bool:
    """The conjunct ending at ``y`` is closed by a comma (an appositive) or ends the list."""
    return y >= b or tokens[y].low == ","


def _victims(tokens: list[Token], covered: set[int]) -> list[Victims]:
    found: list[Victims] = []
    n = len(tokens)
    for i, tok in enumerate(tokens):
        low = tok.low
        nxt = tokens[i + 1].low if i + 1 < n else ""
        measure: str | None = None
        span: tuple[int, int] | None = None
        singular = False
        subject = False
        if _adjectival(tokens, i) or (i - 1 in covered and nxt in PERSON):
            continue  # "a wounded man", "11 injured students": an adjective, not a predicate
        if low in _NOUN_KILL | _NOUN_INJURE and nxt in ("of", "to"):
            before = [t.low for t in tokens[max(0, i - 2) : i]]
            if set(before) & (_NEGATION | {"any", "without"} | _REASON):
                continue  # "no injuries to U.S. personnel", "protests over the death of X"
            measure = KILLED if low in _NOUN_KILL else INJURED
            span = (i + 2, _object_end(tokens, i + 2))
        elif low == "shot" and nxt == "dead":
            passive, singular = _is_passive(tokens, i)
            start = _aux_start(tokens, i)
            measure, span, subject = KILLED, (_subject_start(tokens, start), start), True
        elif low in _PASSIVE_KILL | _PASSIVE_INJURE | _INTRANSITIVE_KILL:
            passive, singular = _is_passive(tokens, i)
            is_object = (
                not passive
                and low in _ACTIVE_KILL | _ACTIVE_INJURE
                and _object_follows(tokens, i, covered)
            )
            measure = KILLED if low in _PASSIVE_KILL | _INTRANSITIVE_KILL else INJURED
            if is_object:
                span = (i + 1, _object_end(tokens, i + 1))
            else:
                start = _aux_start(tokens, i)
                shot = start > 1 and tokens[start - 2].low == "shot"
                if shot and tokens[start - 1].low == "and" and low in _PASSIVE_INJURE:
                    start -= 2  # "shot and injured"
                span, subject = (_subject_start(tokens, start), start), True
        elif low in _ACTIVE_KILL | _ACTIVE_INJURE and _object_follows(tokens, i, covered):
            measure = KILLED if low in _ACTIVE_KILL else INJURED
            span = (i + 1, _object_end(tokens, i + 1))
        if measure is None or span is None or span[0] >= span[1]:
            continue
        if subject and any(k in covered for k in range(span[0], span[1])):
            # the subject holds a counted group: only persons coordinated before it are new
            # ("Woman and two children killed", "Ali and his three sons were killed")
            span = _before_group(tokens, span, covered)
            if span is None:
                continue
        if _both(tokens, i):
            continue  # "Five killed and wounded": no split
        if subject:
            span = (_subject_run(tokens, span[0], span[1], covered), span[1])
        counted = _count(tokens, span[0], span[1], covered, singular)
        if counted is not None:
            found.append(Victims(measure, *counted))
            covered.update(range(span[0], span[1]))
    return found


def _before_group(
    tokens: list[Token], span: tuple[int, int], covered: set[int]
) -> tuple[int, int] | None:
    """The conjuncts of a subject before its first counted group, when "and" joins them to
    it; None otherwise."""
    end = next(k for k in range(span[0], span[1]) if k in covered)
    while end > span[0] and tokens[end - 1].low in _ARTICLES:
        end -= 1
    if end - 1 <= span[0] or tokens[end - 1].low != "and":
        return None
    if any(_verb([t]) or t.low.isdigit() for t in tokens[span[0] : end - 1]):
        return None  # "SDF captured 60% of Raqqa and 17 IS members were killed": a clause
    return span[0], end - 1


def _both(tokens: list[Token], i: int) -> bool:
    """ "killed and wounded", "killed or injured", "wounded and killed"."""
    window = [t.low for t in tokens[i + 1 : i + 3]]
    before = [t.low for t in tokens[max(0, i - 2) : i]]
    casualty = _PREDICATES | {"dead"}
    return (len(window) == 2 and window[0] in ("and", "or") and window[1] in casualty) or (
        len(before) == 2 and before[1] in ("and", "or") and before[0] in casualty
    )


def uncounted_victims(sentence: str, counted_tokens: set[int]) -> list[Victims]:
    """Victims named without a number in ``sentence``; ``counted_tokens``: indexes (of
    ``tokenize(sentence)``) of the counts ``casualties.py`` already read."""
    return _victims(tokenize(sentence), set(counted_tokens))
