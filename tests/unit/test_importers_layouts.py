"""Fixture CSV in the exact column layouts of the real exports (headers copied from the
files in ../shared/data; every row is invented), shared by the importer tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from types import ModuleType

import pytest

from tools.importers import acled, airwars, ucdp

ACLED_HEADER = [
    "data_id",
    "iso",
    "event_id_cnty",
    "event_id_no_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "timestamp",
    "iso3",
]
UCDP_HEADER = [
    "id",
    "start_date",
    "end_date",
    "location_root_name",
    "location_adm1_name",
    "location_adm2_name",
    "location_where_name",
    "side_a_name",
    "side_b_name",
    "deaths_side_a",
    "deaths_side_b",
    "deaths_civilian",
    "deaths_unknown",
    "deaths_best_sum",
    "deaths_low",
    "deaths_high",
    "source_date",
    "source_article",
    "split",
]
AIRWARS_HEADER = [
    "sequence",
    "incident_code",
    "airwars_id",
    "airwars_url",
    "date",
    "date_end",
    "date_type",
    "local_time",
    "country_ar",
    "region",
    "governorate",
    "province_state",
    "location_en",
    "location_ar",
    "latitude",
    "longitude",
    "geo_precision",
    "belligerent",
    "strike_type",
    "strike_status",
    "civilian_harm_reported",
    "grading",
    "cause_of_death",
    "incident_status",
    "civilians_killed_min",
    "civilians_killed_max",
    "children_killed_min",
    "children_killed_max",
    "women_killed_min",
    "women_killed_max",
    "men_killed_min",
    "men_killed_max",
    "civilians_injured_min",
    "civilians_injured_max",
    "children_injured_min",
    "children_injured_max",
    "military_killed_min",
    "military_killed_max",
    "published",
    "last_modified",
    "victim_records",
]

ACLED_ROW = {
    "data_id": "9000001",
    "iso": "760",
    "event_id_cnty": "SYR90001",
    "event_id_no_cnty": "90001",
    "event_date": "9-May-20",
    "year": "2020",
    "time_precision": "1",
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Air/drone strike",
    "actor1": "Military Forces of Russia (2000-)",
    "actor2": "Civilians (Syria)",
    "region": "Middle East",
    "country": "Syria",
    "admin1": "Idleb",
    "admin2": "Ariha",
    "location": "Test Village",
    "latitude": "35.8",
    "longitude": "36.6",
    "geo_precision": "1",
    "source": "SOHR; Smart News Agency",
    "source_scale": "National",
    "notes": "On 9 May 2020, warplanes struck Test Village. 3 fatalities.",
    "fatalities": "3",
    "timestamp": "1589229240",
    "iso3": "SYR",
}
UCDP_ROW = {
    "id": "900001",
    "start_date": "2016-02-01",
    "end_date": "2016-02-01",
    "location_root_name": "Syria",
    "location_adm1_name": "Aleppo governorate",
    "location_adm2_name": "Jabal Saman district",
    "location_where_name": "Test town",
    "side_a_name": "Government of Syria",
    "side_b_name": "Syrian insurgents",
    "deaths_side_a": "2",
    "deaths_side_b": "3",
    "deaths_civilian": "4",
    "deaths_unknown": "0",
    "deaths_best_sum": "9",
    "deaths_low": "9",
    "deaths_high": "9",
    "source_date": "2016-02-02 10:15",
    "source_article": "x.jsonl.zst:1",
    "split": "train",
}
AIRWARS_ROW = {
    "sequence": "1",
    "incident_code": "RS9001",
    "airwars_id": "990001",
    "airwars_url": "https://airwars.org/civilian-casualties/rs9001/",
    "date": "2017-03-04",
    "date_type": "date",
    "country_ar": "سوريا",
    "region": "Idleb",
    "governorate": "Idlib",
    "location_en": "Test village",
    "latitude": "35.9",
    "longitude": "36.6",
    "belligerent": "Russian Military",
    "strike_type": "Airstrike",
    "grading": "Fair",
    "incident_status": "Researched",
    "civilians_killed_min": "4",
    "civilians_killed_max": "6",
    "children_killed_min": "2",
    "children_killed_max": "2",
    "published": "2017-03-06",
    "last_modified": "2024-12-15",
    "victim_records": "0",
}


def csv_text(header: Sequence[str], rows: Sequence[Mapping[str, str]]) -> str:
    """A CSV file body: ``header`` then ``rows`` (missing cells blank)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in header})
    return out.getvalue()


def read_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def rows_of(header: Sequence[str], base: Mapping[str, str], *changes: Mapping[str, str]):
    """Rows as csv.DictReader yields them from a file: ``base`` updated by each change."""
    return read_rows(csv_text(header, [{**base, **c} for c in changes]))


@pytest.mark.parametrize(
    ("module", "header"), [(acled, ACLED_HEADER), (ucdp, UCDP_HEADER), (airwars, AIRWARS_HEADER)]
)
def test_required_columns_are_in_the_real_layout(module: ModuleType, header: list[str]) -> None:
    assert set(module.REQUIRED_COLUMNS) <= set(header)


@pytest.mark.parametrize("module", [acled, ucdp, airwars])
def test_help_documents_every_required_column(module: ModuleType) -> None:
    for column in module.REQUIRED_COLUMNS:
        assert column.removesuffix("_min").removesuffix("_max") in module.HELP, column
