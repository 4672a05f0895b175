"""Text scraped from web pages and social media: furniture removed, glued words split.

Rules (each tested in ``tests/unit/test_extractor_real.py``):
- A social-media handle glued to the next word ("@SomeAgencyA man was killed",
  "@QalaatAlMudiqFeb 15") is split where a sentence-starting word (an article, a number
  word, a month, "The", "In" ...) is glued to its end; the "@" goes.
- Hashtags lose their "#" ("#Idlib" is the place Idlib).
- A dateline hyphen glued to a count ("Agency-Three citizens", "SANA-A child") is a
  separator; a hyphenated name ("Al-Bab") is not.
- A casualty word broken by a hyphen to dodge filters ("kil-led", "mar-tyred") is joined.
- Page furniture is removed: links, "pic.twitter.com/...", "Get short URL 0 87",
  "4 Retweets", "12 MoreImage", "(updated 1723 16.04.2017)".
- A date stamp inside a text ("... State media AFP Friday 20 Jun 2014 A car bomb killed ...",
  "Date of publication 12 June 2016", "28.04.2017") separates a headline from its body:
  it becomes a sentence of its own (``stamps``), so one toll said in both is not added.
"""

from __future__ import annotations

import re


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STARTERS = words(
    "A An The In On At As One Two Three Four Five Six Seven Eight Nine Ten Eleven Twelve "
    "Twenty Thirty Forty Fifty Dozens Hundreds Several Jan Feb Mar Apr May Jun Jul Aug Sep Oct "
    "Nov Dec Syria Breaking Urgent Update Video Photo Local Regime Turkish Russian Israeli US"
)
_HANDLE = re.compile(r"@([A-Za-z0-9_]{2,50})")
_HASHTAG = re.compile(r"#(?=[A-Za-z])")
_NUMBER_WORDS = (
    "One|Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten|Eleven|Twelve|Thirteen|Fourteen|Fifteen|"
    "Sixteen|Seventeen|Eighteen|Nineteen|Twenty|Thirty|Forty|Fifty|Sixty|Seventy|Eighty|Ninety|"
    "Dozens|Hundreds|Scores|Several|A|An|At|More|Over|Nearly|About"
)
_GLUED_DATELINE = re.compile(rf"(?<=[A-Za-z])-\s*(?=(?:{_NUMBER_WORDS}|[0-9]+)\b)")
_CASUALTY_WORDS = words(
    "killed killing kill kills martyred martyrs martyr injured injuring wounded wounding dead "
    "died death deaths casualties"
)
_BROKEN = re.compile(r"\b([A-Za-z]{2,5})-([a-z]{2,6})\b")
_STARRED = re.compile(r"(?<=[A-Za-z])\*+(?=[A-Za-z])")
_FURNITURE = re.compile(
    r"https?://\S+|pic\.twitter\.com/\S+|Get short URL(?:\s+\d+)*"
    r"|\b\d+\s*(?:Retweets?|Quote Tweets?|Likes?|MoreImage|More Image)\b"
    r"|\(updated [^)]{0,40}\)|\bTwitter (?:Web App|for (?:iPhone|Android))",
)
_WEEKDAY = (
    r"(?:(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)(?:day|sday|nesday|rsday|urday)?\.?,?\s+)"
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:{_WEEKDAY}?(?:\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}"
    rf"|{_MONTH}\s+\d{{5,6}})|\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{4}})"
)
_PREPOSITIONS = words(
    "on since in of from until till to by between and before after dated during through at"
)
# A stamp: a full date not governed by a preposition, with its lead-in words.
_STAMP = re.compile(
    rf"(?:(?:Date of publication|Published|Last updated at|Last updated|Updated)\s+)?"
    rf"(?<![\w,])(?P<date>{_DATE})(?=\s*[A-Z0-9\"'(]|[A-Z])"
)


def _handle(m: re.Match[str]) -> str:
    handle = m.group(1)
    for k in range(1, len(handle)):
        if handle[k].isupper() and handle[k - 1].islower() and handle[k:] in _STARTERS:
            return f"{handle[:k]} {handle[k:]}"
    return handle


def _broken(m: re.Match[str]) -> str:
    joined = m.group(1) + m.group(2)
    return joined if joined.casefold() in _CASUALTY_WORDS else m.group(0)


def clean(text: str) -> str:
    """Scraped text made readable: handles split, hashtags, furniture and broken words fixed."""
    if "@" in text:
        text = _HANDLE.sub(_handle, text)
    if "#" in text:
        text = _HASHTAG.sub(" ", text)
    text = _FURNITURE.sub(" ", text)
    text = _GLUED_DATELINE.sub(" - ", text)
    if "-" in text:
        text = _BROKEN.sub(_broken, text)
    if "*" in text:
        text = _STARRED.sub("", text)  # "kil*led", "w*a*r": starred to dodge filters
    return text


def stamps(paragraph: str) -> list[tuple[int, int]]:
    """(start, end) of the date stamps that separate parts of a paragraph."""
    found: list[tuple[int, int]] = []
    for m in _STAMP.finditer(paragraph):
        before = paragraph[: m.start()].rstrip()
        last = before.rsplit(" ", 1)[-1].casefold().strip(",") if before else ""
        if last in _PREPOSITIONS:
            continue
        found.append((m.start(), m.end()))
    return found
