"""The matching form of a place name (pure, shared by regions and towns)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ARTICLES = {"al", "el", "ar", "as", "ad", "az", "ash", "at", "an", "ez", "es", "ed", "ul"}
_NOISE = {"governorate", "province", "muhafazat", "muhafazah"}
_ARABIC_ARTICLE = re.compile(r"(^|\s)ال")
_MARKS = str.maketrans({"'": "", "’": "", "‘": "", "ʿ": "", "ʾ": "", "`": "", "´": ""})


@lru_cache(maxsize=65536)  # names repeat: every report of a place, source, perpetrator
def fold(name: str) -> str:
    """Matching form of a place name: no case, accents, punctuation or articles.

    "Al-Hasakah", "al Hasakah" and "Hasakah" fold alike; so do "Deir ez-Zor" and "Deir Zor".
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().translate(_MARKS)
    text = re.sub(r"[\-_.,/()]+", " ", text)
    text = _ARABIC_ARTICLE.sub(r"\1", text)
    words = [w for w in text.split() if w not in _ARTICLES]
    kept = [w for w in words if w not in _NOISE]
    return " ".join(kept or words)
