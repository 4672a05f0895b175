"""Precision first: evidence that a sentence's figure is not one incident's toll.

A careful coder records an incident only when the figure is a count of the victims of one
event of the conflict. These rules find the evidence against that; when in doubt the
extractor emits a summary or nothing, never a false incident:
- a hedge puts the figure in doubt ("may have killed up to 80", "possibly resulting in the
  deaths of 70", "whether its strikes claimed more than 100 lives", "conflicting reports
  suggest one died"), an anniversary names an earlier event: the figures after it are
  dropped; an intent is no death ("threatened to kill 10 hostages"): its clause is
  dropped (``without_doubt``);
- the deaths are not the conflict's: accidents ("the vehicle mishap", "a jet crashed on a
  school", "died in a fire in the camp"), family quarrels without an armed clash, an
  obituary ("dead at 54") (``not_conflict``);
- the figure is cumulative though no period word is said (``cumulative``): a report's list
  line ("• 78 civilians ... were killed by regime forces", "-Regime forces: 12
  fatalities:"), "as of Saturday", "in the same period", "this month (alone)", several
  offensives or campaigns counted ("in response to the two offensives"), several attacks
  ("targeted the area four times"), a campaign against an enemy with no day, spans said
  without a period word ("in recent days", "the two-week offensive", "the first half of
  the year"), a month's total ("In May, the monitor documented 95 deaths"), and a present
  perfect toll tied to no day, no place below the country and no single event ("Some 24
  people have been killed in Palestinian attacks").
"""

from __future__ import annotations

import re

_HEDGES = re.compile(
    r"\b(?:may|might|could)\s+(?:well\s+|also\s+)?have\s+(?:been\s+)?"
    r"(?:killed|resulted|caused|led|left|claimed|died|cost|wounded|injured)\b"
    r"|\bpossibly\s+(?:resulting|killing|leaving|causing|leading|claiming)\b"
    r"|\bwhether\s+(?:or\s+not\s+)?(?:\w+\s+){0,10}?"
    r"(?:killed|claimed|caused|inflicted|left|resulted)\b"
    r"|\bconflict(?:ed|ing)\s+reports?\s+(?:suggests?|said|say|indicated?)\b"
    r"|\bnot\s+(?:confident|sure|certain)\s+(?:that\s+)?(?:\w+\s+){0,3}killed\b"
    # a commemoration names an earlier event
    r"|\b(?:anniversary|commemorat\w+|memorial)\b",
    re.IGNORECASE,
)
# An intent is no death ("threatened to kill 10 hostages", "a plot to kill 30"); only its
# own clause is dropped ("tried to kill the mayor, killing two of his guards").
_INTENT = re.compile(
    r"\b(?:threat\w*|plots?|plotted|plotting|plann\w*|plans?|attempt\w*|tr(?:y|ied|ying)|"
    r"intend\w*|vow\w*|sought|seek\w*|aim\w*|want\w*|order\w*)\s+to\s+"
    r"(?:kill|execute|wound|injure|massacre)\b[^,;]*",
    re.IGNORECASE,
)


def without_doubt(text: str) -> str:
    """The sentence without what it puts in doubt: from a hedge on ("may have killed up to
    80" and all after it), and the clause of an intent ("threatened to kill 10 hostages")."""
    text = _INTENT.sub(lambda m: " " * len(m.group()), text)
    m = _HEDGES.search(text)
    return text[: m.start()] if m else text


_ACCIDENT = re.compile(
    r"\b(?:accident|accidents|mishap|electrocut\w*|stampede|heart attack|"
    r"natural causes|dead at \d+|died at \d+|committed suicide|took (?:his|her) own life)\b"
    r"|\b(?:jet|plane|aircraft|airliner|helicopter|car|bus|vehicle|truck|lorry|train|boat)s?\b"
    r"[^.;]{0,40}\bcrash(?:ed|es)?\b"
    r"|\b(?:died|killed|dead|perished|burned)\s+(?:\w+\s+){0,2}in\s+(?:a|the)\s+(?:\w+\s+)?"
    r"(?:fire|blaze)\b",
    re.IGNORECASE,
)
_QUARREL = re.compile(
    r"\b(?:quarrels?|feuds?|family infighting|family disputes?|between (?:two|the) families|"
    r"domestic dispute)\b",
    re.IGNORECASE,
)
# An accident or a quarrel in which an armed side or an attack is named is the conflict's
# ("a military aircraft crashed while on a bombing run", "clashes between two families").
_ARMED = re.compile(
    r"\b(?:shot down|downed|bombing|bombed|air ?strikes?|shell\w*|missiles?|rockets?|attack\w*|"
    r"clash\w*|armed|gunmen|gunfire|shot|shooting|bullets?|militia\w*|fighters|troops|raid|explosion|explosive|mine|"
    r"landmine|drone|arson|set fire|torched)\b",
    re.IGNORECASE,
)


# Bodies carried home from abroad ("375 bodies of Syrians who died in Turkey brought
# through the crossing", "Bodies of 120 Syrians brought through border crossings"), and a
# crime charged to a person ("Father accused of killing daughter"): not an attack's toll.
_REPATRIATED = re.compile(
    r"\b(?:bodies|remains|corpses)\b[^.;]{0,80}?\b(?:brought|repatriat\w*|returned|handed over|"
    r"transferred)\s+(?:back\s+)?(?:home\s+)?(?:through|via|across|over|from)\b"
    r"|\b(?:bodies|remains|corpses)\s+of\s+[^.;]{0,40}?\bwho\s+died\s+(?:in|abroad)\b",
    re.IGNORECASE,
)
_CHARGED = re.compile(
    r"\b(?:accused|charged|convicted|suspected|arrested)\s+(?:\w+\s+)?(?:of|for)\s+"
    r"(?:killing|murder\w*|stabbing)\b",
    re.IGNORECASE,
)


def not_conflict(text: str) -> bool:
    """Deaths of an accident, a quarrel or an obituary, not of the conflict."""
    if _REPATRIATED.search(text) or _CHARGED.search(text):
        return True
    if re.search(r"\bfamily infighting\b", text, re.IGNORECASE):
        return True  # a monitor's own heading for fights between families
    if _QUARREL.search(text) and not re.search(r"\bclash\w*|\barmed\b", text, re.IGNORECASE):
        return True
    return bool(_ACCIDENT.search(text)) and not _ARMED.search(text)


_LIST_LINE = re.compile(r"^\s*(?:[•·▪●◦■►]|-\s*[A-Z][\w' ./()-]{0,40}:\s)")
_AS_OF = re.compile(r"\bas of\s+(?!now\b)\w+", re.IGNORECASE)
_SAME_PERIOD = re.compile(
    r"\b(?:in|during|over|within|for)\s+the\s+same\s+(?:period|time\s+frame|timeframe|span)\b",
    re.IGNORECASE,
)
_THIS_MONTH = re.compile(
    r"\b(?:this|last|the past|the previous)\s+(?:month|week)\s+alone\b"
    r"|^\W*this\s+(?:month|week)\b"
    r"|\b(?:so far|since the start of|since the beginning of)\s+(?:this|the)\s+(?:month|week)\b",
    re.IGNORECASE,
)
_SEVERAL_CAMPAIGNS = re.compile(
    r"\b(?:two|three|four|five|several|both|\d+)\s+(?:\w+\s+)?"
    r"(?:offensives|campaigns)\b",
    re.IGNORECASE,
)
# "targeted the area four times, which resulted in the death of three": several attacks.
_TIMES = re.compile(
    r"\b(?:targeted|struck|hit|shelled|bombed|attacked|raided|bombarded)\b[^.;]{0,120}?"
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|several|multiple|\d+)\s+times\b",
    re.IGNORECASE,
)
# "hundreds of civilians killed in operations against Daesh": a campaign's toll (with no
# day named; "killed 12 in operations against IS on Monday" is a day's, and "combing
# operations" in one place are one operation).
_IN_OPERATIONS = re.compile(
    r"\b(?:in|during|throughout)\s+(?:the\s+|its\s+|their\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:operations|campaigns|offensives)\s+against\b",
    re.IGNORECASE,
)
# Spans longer than a day said without "since" or "over the past": "in recent days", "the
# first half of the year", "clashes now in their second week", "the two-week offensive".
_SPAN_WORDS = re.compile(
    r"\b(?:in|during|over|for)\s+(?:the\s+)?recent\s+(?:days|weeks|months)\b"
    r"|\b(?:first|second|last)\s+(?:half|quarter)\s+of\s+(?:the|this|last)\s+year\b"
    r"|\b(?:in|into)\s+(?:its|their)\s+(?:second|third|fourth|fifth)\s+(?:day|week|month)\b"
    r"|\b(?:two|three|four|five|six|seven|ten|\d+)-(?:day|week|month|year)(?:-long)?\s+"
    r"(?:[\w-]+\s+)?(?:offensive|campaign|battle|siege|operation|war|assault|bombardment|"
    r"fighting|clashes|escalation)\b",
    re.IGNORECASE,
)
# A monitor's periodic count: "Daily death toll | 25 people killed", "the monthly report".
_REPORT = re.compile(
    r"\b(?:monthly|annual|yearly|weekly|periodic|daily|half-yearly|quarterly)\s+"
    r"(?:report|toll|tally|death toll|statistics|count|update|record)\b",
    re.IGNORECASE,
)
_NATIONWIDE = re.compile(
    r"\b(?:in|across|throughout)\s+(?:syria|the country|iraq|yemen|afghanistan)\b|\bnationwide\b",
    re.IGNORECASE,
)
_WEEKEND = re.compile(r"\bover\s+the\s+(?:past\s+|last\s+)?weekend\b", re.IGNORECASE)
# "In May, the monitor documented 95 deaths", "killed in the region in April 2022, the total":
# a month's total (a month named without a day, and a word that sums up).
_MONTH_ONLY = re.compile(
    r"\b(?:in|during|for|throughout|of)\s+(?:the\s+month\s+of\s+)?(?:january|february|march|"
    r"april|may|june|july|august|september|october|november|december)\b"
    r"(?!\s+\d{1,2}\b)(?!\s*,?\s+\d{1,2}(?:st|nd|rd|th)\b)",
    re.IGNORECASE,
)
_TALLY_WORDS = re.compile(
    r"\b(?:documented|total|totals|number of|exceeded|exceeds|rose to|risen to|reached|"
    r"deaths|death toll|toll|in all|overall|monthly|altogether|casualties)\b",
    re.IGNORECASE,
)
_PERFECT = re.compile(
    r"\b(?:have|has)\s+(?:now\s+|so far\s+|reportedly\s+)?been\s+"
    r"(?:killed|martyred|slain|executed)\b",
    re.IGNORECASE,
)
_ONE_EVENT = re.compile(
    r"\b(?:a|an|the|one|this|that|single)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:attack|strike|airstrike|raid|air raid|blast|bombing|explosion|massacre|ambush|"
    r"shelling|assault|bombardment|car bomb|clash|battle|incident|operation)\b(?!s)",
    re.IGNORECASE,
)
# One battle's toll, however long (convention 17): "in the clashes", "in fighting".
_BATTLE = re.compile(r"\b(?:clashes|fighting|battles|confrontations)\b", re.IGNORECASE)
# A present-perfect toll of fighting across a whole governorate with no day: a tally of
# unstated days ("have also been killed in clashes in the neighbouring province of Aleppo").
_PROVINCE_FIGHTING = re.compile(
    r"\b(?:have|has)\s+(?:also\s+|now\s+|so far\s+)?been\s+(?:killed|martyred)\s+"
    r"(?:in\s+)?(?:the\s+)?(?:fighting|clashes|battles|violence)\s+(?:in|across|throughout)\s+"
    r"(?:the\s+)?(?:[\w'-]+\s+){0,2}?(?:province|governorate)\b",
    re.IGNORECASE,
)
_WHEN = re.compile(
    r"\b(?:today|yesterday|tonight|last night|overnight|this morning|this evening|on \w+day|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|hours?)\b",
    re.IGNORECASE,
)


def cumulative(text: str, *, placed: bool, dated: bool) -> bool:
    """A figure that sums up several events though the sentence names no period.

    ``placed``: the sentence names a place below the country (a region or a town);
    ``dated``: it names the incident's day.
    """
    if _LIST_LINE.match(text) or _SAME_PERIOD.search(text):
        return True
    if _AS_OF.search(text) and not _ONE_EVENT.search(text):
        return True  # "as of Saturday, 24 killed in attacks" (not "the toll of the blast")
    if _THIS_MONTH.search(text) or _SEVERAL_CAMPAIGNS.search(text) or _TIMES.search(text):
        return True
    if not dated and _IN_OPERATIONS.search(text):
        return True
    if _SPAN_WORDS.search(text) or _REPORT.search(text):
        return True
    if not dated and _MONTH_ONLY.search(text) and _NATIONWIDE.search(text):
        return not _ONE_EVENT.search(text)  # "89 civilians killed in Syria in March 2022"
    if _WEEKEND.search(text) and not _ONE_EVENT.search(text):
        return True  # "over the weekend, 14 were killed in shelling" (not "in a raid")
    if not dated and _MONTH_ONLY.search(text) and _TALLY_WORDS.search(text):
        return not _ONE_EVENT.search(text)
    if not dated and _PROVINCE_FIGHTING.search(text):
        return True  # "Another 327 civilians have been killed in fighting in Aleppo province"
    return (
        not placed
        and not dated
        and bool(_PERFECT.search(text))
        and not _ONE_EVENT.search(text)
        and not _BATTLE.search(text)
        and not _WHEN.search(text)
    )
