"""The contract for consumers (schemas/COMPATIBILITY.md): published schemas carry ``$id``
and accept unknown fields; a model change is checked against the committed schema (and
its published history), and an incompatible one fails unless ``schema_version`` is
bumped; the AsyncAPI document covers every topic and its payloads validate real records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import jsonschema
import pytest
import yaml
from pydantic import BaseModel, Field, create_model

from schemas import Alert, ClassifiedIncident, DeadLetter, IncidentReport, asyncapi, generate
from schemas.alerts import EvidenceIncident, EvidenceSource
from schemas.compat import breaking_changes, file_name, published_schema, schema_version
from services.aggregator.domain.engine import Engine, EngineConfig
from services.aggregator.domain.rules import load_rules
from services.common.codec import decode
from services.common.deadletter import dead_letter
from services.common.topics import ALL
from tests.factories import classified, report

SCHEMAS = Path(generate.__file__).parent
RULES_FILE = SCHEMAS.parent / "services" / "aggregator" / "rules.yaml"


def variant(
    model: type[BaseModel],
    drop: tuple[str, ...] = (),
    version: int | None = None,
    **fields: Any,
) -> type[BaseModel]:
    """``model`` with fields dropped, changed or added (name=(annotation, FieldInfo|default))."""
    kept: dict[str, Any] = {
        name: (info.annotation, info)
        for name, info in model.model_fields.items()
        if name not in drop
    }
    kept.update(fields)
    if version is not None:
        kept["schema_version"] = (Literal[version], version)
    made: type[BaseModel] = create_model(model.__name__, __config__=model.model_config, **kept)
    return made


class TransitionPlus(StrEnum):
    FIRED = "fired"
    ESCALATED = "escalated"
    DEESCALATED = "deescalated"
    RESOLVED = "resolved"
    SNOOZED = "snoozed"


class TransitionLess(StrEnum):
    FIRED = "fired"
    RESOLVED = "resolved"


def nested_without_figure() -> type[BaseModel]:
    source = variant(EvidenceSource, drop=("figure",))
    incident = variant(EvidenceIncident, sources=(list[source], ...))  # type: ignore[valid-type]
    return variant(Alert, evidence=(list[incident], ...))  # type: ignore[valid-type]


BREAKING: list[tuple[str, type[BaseModel], str]] = [
    ("a field removed", variant(Alert, drop=("seq",)), "$.seq: removed"),
    (
        "a required field added",
        variant(Alert, channel=(str, Field(description="x"))),
        "$.channel: added as required",
    ),
    (
        "an optional field made required",
        variant(Alert, kind=(Literal["alert"], ...)),
        "$.kind: now required",
    ),
    (
        "a required field made optional",
        variant(Alert, rule=(str, "r")),
        "$.rule: no longer required",
    ),
    (
        "a minimum raised",
        variant(Alert, seq=(int, Field(ge=2))),
        "$.seq: minimum 1 -> 2 (narrowed)",
    ),
    (
        "a type changed",
        variant(Alert, value=(str, Field(description="x"))),
        '$.value: type "integer" -> "string" (changed)',
    ),
    (
        "null now allowed",
        variant(Alert, value=(int | None, Field(description="x"))),
        "$.value: integer -> integer | null (widened: old consumers reject",
    ),
    (
        "an enum value added",
        variant(Alert, transition=(TransitionPlus, ...)),
        'widened: ["snoozed"] unknown to old consumers',
    ),
    (
        "enum values removed",
        variant(Alert, transition=(TransitionLess, ...)),
        'narrowed: ["escalated", "deescalated"',
    ),
    (
        "a nested field removed",
        nested_without_figure(),
        "$.evidence[].sources[].figure: removed",
    ),
    (
        "a new limit on an input field",
        variant(
            IncidentReport,
            alleged_perpetrators=(
                IncidentReport.model_fields["alleged_perpetrators"].annotation,
                Field([], max_length=3),
            ),
        ),
        "$.alleged_perpetrators: maxItems 50 -> 3 (narrowed)",
    ),
]


@pytest.mark.parametrize(("change", "model", "expected"), BREAKING, ids=[b[0] for b in BREAKING])
def test_an_incompatible_model_change_fails_against_the_committed_schema(
    change: str, model: type[BaseModel], expected: str
) -> None:
    name = "incident_report" if model.__name__ == "IncidentReport" else "alert"
    problems = generate.contract_problems(name, model, with_history=False)
    assert any(expected in line for line in problems), problems
    published = file_name(name, schema_version(model))
    assert all(line.startswith(f"{published} vs the committed file: ") for line in problems)


COMPATIBLE: list[tuple[str, type[BaseModel]]] = [
    ("an optional field added", variant(Alert, channel=(str | None, None))),
    ("a field with a default added", variant(Alert, priority=(int, 3))),
    ("a description changed", variant(Alert, seq=(int, Field(ge=1, description="changed")))),
    ("nothing changed", Alert),
]


@pytest.mark.parametrize(("change", "model"), COMPATIBLE, ids=[c[0] for c in COMPATIBLE])
def test_a_compatible_model_change_passes(change: str, model: type[BaseModel]) -> None:
    assert generate.contract_problems("alert", model, with_history=False) == []


def test_a_breaking_change_with_a_bumped_schema_version_starts_a_new_file() -> None:
    next_version = schema_version(Alert) + 1
    bumped = variant(Alert, drop=("seq",), version=next_version)
    assert generate.contract_problems("alert", bumped, with_history=False) == []
    assert published_schema(bumped, "alert")["$id"] == f"urn:vigil:schema:alert:v{next_version}"


def test_current_models_keep_every_published_revision() -> None:
    """Against the committed files and every revision of them in git history that was
    published under the policy: the check `make check-generated` runs too."""
    for name, model in generate.MODELS.items():
        assert generate.contract_problems(name, model) == [], name
    assert generate.stale_files() == []


def test_history_finds_published_revisions() -> None:
    revisions = list(generate.history(SCHEMAS / "json" / "alert.v1.schema.json"))
    if not revisions:
        pytest.skip("no git history here (not a clone, or git missing)")
    assert all(schema["$id"] == "urn:vigil:schema:alert:v1" for _, schema in revisions)


def test_breaking_changes_is_symmetric_about_what_breaks() -> None:
    old = published_schema(Alert, "alert")
    assert breaking_changes(old, old) == []
    fewer = published_schema(variant(Alert, drop=("summary",)), "alert")
    assert breaking_changes(old, fewer) and breaking_changes(fewer, old)


@pytest.mark.parametrize("name", sorted(generate.MODELS))
def test_published_schemas_have_an_id_and_allow_unknown_fields(name: str) -> None:
    version = schema_version(generate.MODELS[name])
    path = generate.OUT / file_name(name, version)
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$id"] == f"urn:vigil:schema:{name}:v{version}"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert '"additionalProperties": false' not in path.read_text(encoding="utf-8")
    jsonschema.Draft202012Validator.check_schema(schema)


def records() -> dict[str, Any]:
    """One real record per published model, as Vigil writes it."""
    incident = classified(report("wh-1", killed=25, children=10))
    engine = Engine(EngineConfig(rules=load_rules(RULES_FILE)))
    alert = engine.process(incident, 0.0).transitions[0]
    letter = dead_letter(
        service="classifier",
        reason="location.country: String should match pattern",
        error_type="validation",
        topic="vigil.reports.v1",
        partition=0,
        offset=7,
        key=b"SYR",
        value=b'{"report_id": "x"}',
        headers=[("vigil-source", b"wire")],
        now=datetime(2024, 12, 2, tzinfo=UTC),
    )
    return {
        "incident_report": json.loads(incident.report.model_dump_json(exclude_none=True)),
        "classified_incident": json.loads(incident.model_dump_json()),
        "alert": json.loads(alert.model_dump_json()),
        "dead_letter": json.loads(letter.model_dump_json()),
    }


@pytest.mark.parametrize("name", sorted(generate.MODELS))
def test_records_validate_and_an_added_field_does_not_break_a_consumer(name: str) -> None:
    path = generate.OUT / file_name(name, schema_version(generate.MODELS[name]))
    schema = json.loads(path.read_text(encoding="utf-8"))
    record = records()[name]
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(record)
    validator.validate({**record, "added_in_a_later_release": {"any": "thing"}})
    # ... and Vigil's own consumers (services.common.codec.decode) read it too
    model = generate.MODELS[name]
    with_extra = json.dumps({**record, "added_in_a_later_release": 1}).encode()
    assert decode(model, with_extra) == model.model_validate(record)


def test_the_ingest_api_still_refuses_unknown_fields() -> None:
    """Deliberately strict where a person types the input: a misspelt field is an error
    there (422), not silently dropped (schemas/COMPATIBILITY.md)."""
    raw = json.loads(report("wh-2", killed=3).model_dump_json(exclude_none=True))
    with pytest.raises(ValueError, match="Extra inputs are not permitted"):
        IncidentReport.model_validate({**raw, "casualites": {}})


def test_asyncapi_document_covers_every_topic_and_its_payloads() -> None:
    document = yaml.safe_load(generate.ASYNCAPI.read_text(encoding="utf-8"))
    assert document["asyncapi"] == "3.0.0"
    assert {c["address"] for c in document["channels"].values()} == set(ALL)
    messages = document["components"]["messages"]
    for channel_id, channel in document["channels"].items():
        for ref in channel["messages"].values():
            assert ref["$ref"].removeprefix("#/components/messages/") in messages, channel_id
    for key, operation in document["operations"].items():
        assert operation["action"] in ("send", "receive"), key
        channel_id = operation["channel"]["$ref"].removeprefix("#/channels/")
        channel = document["channels"][channel_id]
        for ref in operation["messages"]:
            prefix = f"#/channels/{channel_id}/messages/"
            assert ref["$ref"].startswith(prefix), key
            assert ref["$ref"].removeprefix(prefix) in channel["messages"], key
    receivers = {op["channel"]["$ref"] for op in document["operations"].values()}
    assert len(receivers) == len(document["channels"])  # every topic has someone on it
    by_model = {
        "incident_report": "incidentReport",
        "classified_incident": "classifiedIncident",
        "alert": "alert",
        "dead_letter": "deadLetter",
    }
    for name, message_id in by_model.items():
        schema = asyncapi.resolve_payload(document, message_id, generate.ASYNCAPI.parent)
        jsonschema.Draft202012Validator(schema).validate(records()[name])
        assert messages[message_id]["payload"]["schemaFormat"].startswith("application/schema+json")


def test_generated_files_are_current() -> None:
    assert generate.main(["--check"]) == 0


def test_models_used_are_the_published_ones() -> None:
    assert set(generate.MODELS.values()) == {IncidentReport, ClassifiedIncident, Alert, DeadLetter}
