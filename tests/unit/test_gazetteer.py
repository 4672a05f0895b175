"""Region names: every Syrian governorate, its aliases, spelling variants, find() in text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from services.common.gazetteer import Gazetteer, fold

GAZ = Gazetteer.default()
SYR_FILE = Path(__file__).parents[2] / "services" / "common" / "gazetteer" / "SYR.yaml"
SYR = yaml.safe_load(SYR_FILE.read_text(encoding="utf-8"))
CANONICAL = [
    "Damascus",
    "Rif Dimashq",
    "Aleppo",
    "Idlib",
    "Hama",
    "Homs",
    "Latakia",
    "Tartus",
    "Deir ez-Zor",
    "Al-Hasakah",
    "Ar-Raqqa",
    "As-Suwayda",
    "Daraa",
    "Quneitra",
]
ALIASES = [(canonical, alias) for canonical, aliases in SYR["admin1"].items() for alias in aliases]


def test_all_fourteen_governorates() -> None:
    assert sorted(SYR["admin1"]) == sorted(CANONICAL)
    assert "SYR" in GAZ.countries


@pytest.mark.parametrize("canonical", CANONICAL)
def test_canonical_names_map_to_themselves(canonical: str) -> None:
    region = GAZ.normalise("SYR", canonical)
    assert (region.admin1, region.known, region.key) == (canonical, True, f"SYR/{canonical}")


@pytest.mark.parametrize(("canonical", "alias"), ALIASES)
def test_every_alias_maps_back(canonical: str, alias: str) -> None:
    assert GAZ.canonical_admin1("SYR", alias) == canonical


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("إدلب", "Idlib"),
        ("ادلب", "Idlib"),
        ("حلب", "Aleppo"),
        ("دمشق", "Damascus"),
        ("ريف دمشق", "Rif Dimashq"),
        ("الحسكة", "Al-Hasakah"),
        ("حسكة", "Al-Hasakah"),  # without the article
        ("دير الزور", "Deir ez-Zor"),
        ("الرقة", "Ar-Raqqa"),
        ("السويداء", "As-Suwayda"),
        ("درعا", "Daraa"),
        ("القنيطرة", "Quneitra"),
        ("حمص", "Homs"),
        ("حماة", "Hama"),
        ("اللاذقية", "Latakia"),
        ("طرطوس", "Tartus"),
        # case, hyphen, article and noise-word variants
        ("AL-HASAKAH", "Al-Hasakah"),
        ("al hasakah", "Al-Hasakah"),
        ("El-Hasakah", "Al-Hasakah"),
        ("Hasakah Governorate", "Al-Hasakah"),
        ("deir ez zor", "Deir ez-Zor"),
        ("DEIR EZ-ZOR", "Deir ez-Zor"),
        ("Deir Zor", "Deir ez-Zor"),
        ("Dayr az-Zawr", "Deir ez-Zor"),
        ("Deir al-Zour", "Deir ez-Zor"),
        ("raqqa province", "Ar-Raqqa"),
        ("IDLEB", "Idlib"),
        ("  edlib  ", "Idlib"),
        ("Idlib Governorate", "Idlib"),
        ("rural damascus", "Rif Dimashq"),
        ("Damascus countryside", "Rif Dimashq"),
        ("Dar'a", "Daraa"),
        ("Dara’a", "Daraa"),
        ("Lattaquié", "Latakia"),
        ("Lattaquie", "Latakia"),  # accents fold away
        ("Ḥamā", "Hama"),
    ],
)
def test_variants(raw: str, canonical: str) -> None:
    assert GAZ.canonical_admin1("SYR", raw) == canonical


@pytest.mark.parametrize(
    ("country", "raw", "admin1"),
    [
        ("SYR", "Atlantis", "Atlantis"),
        ("SYR", "  Wadi   al   Nasara ", "Wadi al Nasara"),  # trimmed, not folded
        ("IRQ", "Baghdad", "Baghdad"),  # a country without a data file
        ("IRQ", "Idlib", "Idlib"),  # names are per country
    ],
)
def test_unknown_kept_raw(country: str, raw: str, admin1: str) -> None:
    region = GAZ.normalise(country, raw)
    assert (region.country, region.admin1, region.known) == (country, admin1, False)
    assert GAZ.canonical_admin1(country, raw) is None


def test_no_admin1_is_known_and_keyed_with_a_question_mark() -> None:
    region = GAZ.normalise("SYR", None)
    assert (region.admin1, region.known, region.key) == (None, True, "SYR/?")


def test_admin2_is_kept() -> None:
    assert GAZ.normalise("SYR", "Idleb", "Harim").admin2 == "Harim"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Air strikes hit Idlib and Aleppo on Sunday.", ["Idlib", "Aleppo"]),
        ("Shelling in rural Damascus and Damascus city", ["Rif Dimashq", "Damascus"]),
        ("clashes in DEIR EZ-ZOR and al-Hasakah", ["Deir ez-Zor", "Al-Hasakah"]),
        ("غارات على إدلب وحلب", ["Idlib"]),  # "وحلب": the conjunction is glued on
        ("غارات على إدلب و حلب", ["Idlib", "Aleppo"]),
        ("Hamas said nothing about Homs", ["Homs"]),  # no match inside a word
        ("Idlib's hospitals", ["Idlib"]),
        ("nothing here", []),
    ],
)
def test_find_in_text(text: str, found: list[str]) -> None:
    matches = GAZ.find(text)
    assert [m.admin1 for m in matches] == found
    for m in matches:
        assert m.country == "SYR"
        assert GAZ.canonical_admin1("SYR", text[m.start : m.end]) == m.admin1


def test_find_for_another_country_finds_nothing() -> None:
    assert GAZ.find("Idlib", country="IRQ") == []
    assert [m.admin1 for m in GAZ.find("Idlib", country="SYR")] == ["Idlib"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Al-Hasakah", "hasakah"),
        ("Deir ez-Zor", "Deir Zor"),
        ("Idlib Governorate", "idlib"),
        ("Province", "province"),  # only noise words: kept rather than emptied
    ],
)
def test_fold_equal(a: str, b: str) -> None:
    assert fold(a) == fold(b)
    assert fold(a) != ""


def test_conflicting_aliases_are_refused() -> None:
    with pytest.raises(ValueError, match="names both"):
        Gazetteer({"XXX": {"North": ["Upper"], "South": ["upper"]}})


def test_a_custom_gazetteer_from_a_mapping() -> None:
    gaz = Gazetteer({"IRQ": {"Nineveh": ["Ninawa", "نينوى"]}})
    assert gaz.normalise("IRQ", "ninawa").admin1 == "Nineveh"
    assert gaz.normalise("SYR", "Idlib").known is False
