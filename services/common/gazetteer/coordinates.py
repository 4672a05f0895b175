"""Which region a report is in, when it carries coordinates: stated region or coordinates.

Rules (the importers of files with latitude/longitude use them):
- With no usable coordinates, or a country whose places are not loaded, the stated
  region stands (``stated``).
- A stated region that is missing or not a known spelling is replaced by the region of the
  nearest known place, when one lies within ``NEAR_KM`` (``coordinates``).
- A known stated region that the coordinates contradict is replaced only when the evidence
  is clear: the nearest place of another region lies within ``CLEAR_KM`` and every place of
  the stated region is at least ``MARGIN_KM`` farther (Airwars files Eastern Ghouta under
  "Damascus"; its coordinates lie among Rif Dimashq's towns). Near a border the stated
  region stands.
The replaced value is kept in ``stated`` so the choice is visible on the report.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.reports import Admin1Source, Location

from . import Gazetteer
from .towns import Towns, distance_km

NEAR_KM = 40.0
CLEAR_KM = 12.0
MARGIN_KM = 8.0


@dataclass(frozen=True)
class Admin1Choice:
    admin1: str | None
    source: Admin1Source
    stated: str | None = None
    """The stated region, when it was replaced."""


def resolve_admin1(
    country: str,
    stated: str | None,
    lat: float | None,
    lon: float | None,
    *,
    gazetteer: Gazetteer | None = None,
    towns: Towns | None = None,
) -> Admin1Choice:
    """The admin1 a report with these fields should carry, and where it came from."""
    keep = Admin1Choice(stated, Admin1Source.STATED)
    if lat is None or lon is None:
        return keep
    gazetteer = gazetteer or Gazetteer.default()
    towns = towns or Towns.default()
    near = towns.nearest(country, lat, lon)
    if near is None or near.km > NEAR_KM:
        return keep
    canonical = gazetteer.canonical_admin1(country, stated)
    if canonical is None:
        return Admin1Choice(near.admin1, Admin1Source.COORDINATES, stated)
    if canonical == near.admin1 or near.km > CLEAR_KM:
        return keep
    own = min(
        (distance_km(lat, lon, t.lat, t.lon) for t in towns.towns if t.admin1 == canonical),
        default=float("inf"),
    )
    if own - near.km >= MARGIN_KM:
        return Admin1Choice(near.admin1, Admin1Source.COORDINATES, stated)
    return keep


def located(
    country: str,
    admin1: str | None,
    lat: float | None,
    lon: float | None,
    *,
    admin2: str | None = None,
    place: str | None = None,
) -> Location:
    """A Location whose admin1 is chosen by ``resolve_admin1`` and says where it came from."""
    choice = resolve_admin1(country, admin1, lat, lon)
    return Location(
        country=country,
        admin1=choice.admin1,
        admin2=admin2,
        place=place,
        lat=lat,
        lon=lon,
        admin1_source=choice.source if choice.admin1 is not None else None,
        stated_admin1=choice.stated,
    )
